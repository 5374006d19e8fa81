/* A TCP peer on loopback that the tcp* tests control exactly:
 *   tcppeer server [-6] REPLY   listen on an ephemeral port, print "port N",
 *                              accept one connection, read to EOF, send REPLY
 *                              bytes, close, print "received N"
 *   tcppeer client [-6] PORT SEND   connect, send SEND bytes, shut down the
 *                              write side, read to EOF, print "received N"
 * Exits 1 on any failure (with the reason on stderr). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int fail(const char *what)
{
	perror(what);
	return 1;
}

static socklen_t loopback(int v6, int port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (v6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		a->sin6_addr = in6addr_loopback;
		return sizeof(*a);
	}
	struct sockaddr_in *a = (struct sockaddr_in *)ss;

	a->sin_family = AF_INET;
	a->sin_port = htons(port);
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sizeof(*a);
}

static long send_bytes(int fd, long n)
{
	char buf[4096];
	long sent = 0;

	memset(buf, 'x', sizeof(buf));
	while (sent < n) {
		ssize_t w = write(fd, buf, n - sent < (long)sizeof(buf) ? n - sent : (long)sizeof(buf));

		if (w <= 0)
			return -1;
		sent += w;
	}
	return sent;
}

static long read_all(int fd)
{
	char buf[4096];
	long total = 0;
	ssize_t r;

	while ((r = read(fd, buf, sizeof(buf))) > 0)
		total += r;
	return r < 0 ? -1 : total;
}

static int server(int v6, long reply)
{
	struct sockaddr_storage ss;
	socklen_t len = loopback(v6, 0, &ss);
	int one = 1, lfd = socket(ss.ss_family, SOCK_STREAM, 0), fd;
	long got;

	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&ss, len) || listen(lfd, 4))
		return fail("listen");
	if (getsockname(lfd, (struct sockaddr *)&ss, &len))
		return fail("getsockname");
	printf("port %d\n", ntohs(v6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
				    : ((struct sockaddr_in *)&ss)->sin_port));
	fflush(stdout);
	fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		return fail("accept");
	got = read_all(fd);
	if (got < 0 || send_bytes(fd, reply) < 0)
		return fail("server io");
	close(fd);
	printf("received %ld\n", got);
	return 0;
}

static int client(int v6, int port, long n)
{
	struct sockaddr_storage ss;
	socklen_t len = loopback(v6, port, &ss);
	int fd = socket(ss.ss_family, SOCK_STREAM, 0);
	long got;

	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, len))
		return fail("connect");
	if (send_bytes(fd, n) < 0 || shutdown(fd, SHUT_WR))
		return fail("send");
	got = read_all(fd);
	close(fd);
	printf("received %ld\n", got);
	return got < 0;
}

int main(int argc, char **argv)
{
	int v6 = argc > 2 && !strcmp(argv[2], "-6");
	char **rest = argv + 2 + v6;
	int nrest = argc - 2 - v6;

	if (argc > 1 && !strcmp(argv[1], "server") && nrest == 1)
		return server(v6, atol(rest[0]));
	if (argc > 1 && !strcmp(argv[1], "client") && nrest == 2)
		return client(v6, atoi(rest[0]), atol(rest[1]));
	fprintf(stderr, "usage: tcppeer server [-6] REPLY | client [-6] PORT SEND\n");
	return 2;
}
