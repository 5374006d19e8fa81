/* Waits for a line on stdin, then opens argv[1] read-only and prints the
 * errno it got: lets a test attach first and provoke the open on cue. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char line[16];
	int fd;

	if (argc < 2)
		return 2;
	if (!fgets(line, sizeof(line), stdin))
		return 3;
	fd = open(argv[1], O_RDONLY);
	printf("%d %d\n", fd, fd < 0 ? errno : 0);
	return 0;
}
