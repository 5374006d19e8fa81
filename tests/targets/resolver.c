/* Waits for a line on stdin, then resolves argv[2] with the function named
 * by argv[1] (getaddrinfo, gethostbyname or gethostbyname2) and prints the
 * outcome: lets a test attach first and provoke the lookup on cue. */
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

int main(int argc, char **argv)
{
	struct addrinfo *res = NULL;
	char line[16];
	int rc;

	if (argc < 3)
		return 2;
	if (!fgets(line, sizeof(line), stdin))
		return 3;
	if (!strcmp(argv[1], "getaddrinfo")) {
		rc = getaddrinfo(argv[2], NULL, NULL, &res);
		if (res)
			freeaddrinfo(res);
	} else if (!strcmp(argv[1], "gethostbyname")) {
		rc = gethostbyname(argv[2]) ? 0 : 1;
	} else {
		rc = gethostbyname2(argv[2], AF_INET) ? 0 : 1;
	}
	printf("%d\n", rc);
	return 0;
}
