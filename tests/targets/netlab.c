/* Traffic pieces of the network lab (tests/integ/net*.sh, bench/net.sh).
 * Every mode ends by itself after a bounded time or count.
 *
 *   netlab relay PORT TARGET TPORT HOLD_MS SECS   UDP forwarder: holds each datagram HOLD_MS,
 *                                                 client -> target, target's replies -> client
 *   netlab uecho PORT SECS                        UDP echo
 *   netlab techo PORT SECS                        TCP echo (IPv4/IPv6), one connection at a time
 *   netlab udp ADDR PORT COUNT GAP_US SIZE        datagrams with unique heads, waits for each echo
 *   netlab tcp ADDR PORT COUNT GAP_US SIZE        request/response over one connection
 *   netlab tsink PORT SECS                        TCP sink: reads and discards
 *   netlab tstream ADDR PORT SECS                 TCP bulk send; prints bytes/s
 *   netlab usink PORT SECS                        UDP sink: counts datagrams, prints them
 *   netlab uflood ADDR PORT SECS SIZE             UDP send as fast as possible; prints datagrams/s
 *   netlab calls ADDR PORT COUNT udp|tcp KIND      COUNT 100-byte messages to an echo, sent and
 *                                                 read back with one syscall pair: KIND sendto
 *                                                 (sendto/recvfrom), msg (sendmsg/recvmsg), rw
 *                                                 (write/read), iov (writev/readv, two buffers)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int resolve(const char *host, const char *port, int type, struct sockaddr_storage *sa,
		   socklen_t *len)
{
	struct addrinfo hints = {.ai_socktype = type, .ai_flags = AI_NUMERICHOST}, *res;

	if (getaddrinfo(host, port, &hints, &res))
		return -1;
	memcpy(sa, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

/* Dual-stack socket bound to PORT on all addresses. */
static int bound(int type, const char *port)
{
	struct sockaddr_in6 sa = {.sin6_family = AF_INET6, .sin6_port = htons(atoi(port))};
	int fd = socket(AF_INET6, type, 0), zero = 0, one = 1;

	setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    (type == SOCK_STREAM && listen(fd, 4))) {
		perror("bind");
		exit(1);
	}
	return fd;
}

static int connected(int type, const char *host, const char *port)
{
	struct sockaddr_storage sa;
	socklen_t len;
	int fd, one = 1;

	if (resolve(host, port, type, &sa, &len)) {
		fprintf(stderr, "bad address %s\n", host);
		exit(1);
	}
	fd = socket(sa.ss_family, type, 0);
	if (type == SOCK_STREAM)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, len)) {
		perror("connect");
		exit(1);
	}
	return fd;
}

static int wait_readable(int fd, int ms)
{
	struct pollfd p = {fd, POLLIN, 0};

	return poll(&p, 1, ms);
}

#define RELAY_QUEUE 4096

struct held {
	uint64_t due;
	int len;
	int to_target;
	char data[2048];
};

static void relay(char **a)
{
	static struct held q[RELAY_QUEUE];
	struct sockaddr_storage target, client = {0}, from;
	socklen_t tlen, clen = 0, flen;
	uint64_t hold = atoi(a[3]) * 1000000ull, end = now_ns() + atoi(a[4]) * 1000000000ull;
	unsigned head = 0, tail = 0;
	int fd = bound(SOCK_DGRAM, a[0]);

	if (resolve(a[1], a[2], SOCK_DGRAM, &target, &tlen))
		exit(1);
	if (target.ss_family == AF_INET) { /* dual-stack socket: v4-mapped target */
		struct sockaddr_in6 m = {.sin6_family = AF_INET6,
					 .sin6_port = ((struct sockaddr_in *)&target)->sin_port};

		m.sin6_addr.s6_addr[10] = m.sin6_addr.s6_addr[11] = 0xff;
		memcpy(&m.sin6_addr.s6_addr[12], &((struct sockaddr_in *)&target)->sin_addr, 4);
		memcpy(&target, &m, sizeof(m));
		tlen = sizeof(m);
	}
	while (now_ns() < end) {
		int wait =
		    head == tail ? 50 : (int)((q[head % RELAY_QUEUE].due - now_ns()) / 1000000);
		struct held *h;

		if (wait_readable(fd, wait < 0 ? 0 : wait) > 0 && tail - head < RELAY_QUEUE) {
			h = &q[tail % RELAY_QUEUE];
			flen = sizeof(from);
			h->len = recvfrom(fd, h->data, sizeof(h->data), 0, (struct sockaddr *)&from,
					  &flen);
			if (h->len > 0) {
				h->to_target = flen != tlen || memcmp(&from, &target, tlen);
				if (h->to_target) {
					client = from;
					clen = flen;
				}
				h->due = now_ns() + hold;
				tail++;
			}
		}
		while (head != tail && q[head % RELAY_QUEUE].due <= now_ns()) {
			h = &q[head++ % RELAY_QUEUE];
			if (h->to_target)
				sendto(fd, h->data, h->len, 0, (struct sockaddr *)&target, tlen);
			else if (clen)
				sendto(fd, h->data, h->len, 0, (struct sockaddr *)&client, clen);
		}
	}
}

static void uecho(char **a)
{
	uint64_t end = now_ns() + atoi(a[1]) * 1000000000ull;
	int fd = bound(SOCK_DGRAM, a[0]);
	char buf[65536];

	while (now_ns() < end) {
		struct sockaddr_storage from;
		socklen_t flen = sizeof(from);
		ssize_t n;

		if (wait_readable(fd, 100) <= 0)
			continue;
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
		if (n > 0)
			sendto(fd, buf, n, 0, (struct sockaddr *)&from, flen);
	}
}

static void techo(char **a)
{
	uint64_t end = now_ns() + atoi(a[1]) * 1000000000ull;
	int lfd = bound(SOCK_STREAM, a[0]);
	static char buf[1 << 20];

	while (now_ns() < end) {
		int fd;
		ssize_t n;

		if (wait_readable(lfd, 100) <= 0 || (fd = accept(lfd, NULL, NULL)) < 0)
			continue;
		while (now_ns() < end) {
			if (wait_readable(fd, 100) <= 0)
				continue;
			if ((n = read(fd, buf, sizeof(buf))) <= 0)
				break;
			for (ssize_t off = 0, w; off < n; off += w)
				if ((w = write(fd, buf + off, n - off)) <= 0)
					break;
		}
		close(fd);
	}
}

/* COUNT datagrams whose first bytes are unique ("udp <n> ..."), each
 * waiting up to 1 s for its echo. Prints "sent N echoed M". */
static void udp_client(char **a)
{
	int fd = connected(SOCK_DGRAM, a[0], a[1]), count = atoi(a[2]), gap = atoi(a[3]);
	int size = atoi(a[4]), echoed = 0;
	char buf[65536], in[65536];

	if (size < 24 || size > (int)sizeof(buf))
		exit(2);
	memset(buf, 'u', size);
	for (int i = 0; i < count; i++) {
		snprintf(buf, 24, "udp %d %d ", getpid(), i);
		send(fd, buf, size, 0);
		if (wait_readable(fd, 1000) > 0 && recv(fd, in, sizeof(in), 0) == size)
			echoed++;
		usleep(gap);
	}
	printf("sent %d echoed %d\n", count, echoed);
}

static int read_full(int fd, char *buf, int n)
{
	for (int got = 0, r; got < n; got += r)
		if (wait_readable(fd, 2000) <= 0 || (r = read(fd, buf + got, n - got)) <= 0)
			return -1;
	return 0;
}

static void tcp_client(char **a)
{
	int fd = connected(SOCK_STREAM, a[0], a[1]), count = atoi(a[2]), gap = atoi(a[3]);
	int size = atoi(a[4]), echoed = 0;
	static char buf[1 << 20], in[1 << 20];

	if (size < 1 || size > (int)sizeof(buf))
		exit(2);
	memset(buf, 't', size);
	for (int i = 0; i < count; i++) {
		if (write(fd, buf, size) != size || read_full(fd, in, size))
			break;
		echoed++;
		usleep(gap);
	}
	printf("sent %d echoed %d\n", count, echoed);
}

/* One message out / in with the syscall pair of kind. */
static ssize_t calls_io(int fd, const char *kind, bool out, char *buf, size_t len)
{
	struct iovec iov[2] = {{buf, len / 2}, {buf + len / 2, len - len / 2}};
	struct msghdr msg = {.msg_iov = iov, .msg_iovlen = 2};

	if (!strcmp(kind, "sendto"))
		return out ? sendto(fd, buf, len, 0, NULL, 0) : recvfrom(fd, buf, len, 0, NULL, NULL);
	if (!strcmp(kind, "msg"))
		return out ? sendmsg(fd, &msg, 0) : recvmsg(fd, &msg, 0);
	if (!strcmp(kind, "rw"))
		return out ? write(fd, buf, len) : read(fd, buf, len);
	return out ? writev(fd, iov, 2) : readv(fd, iov, 2);
}

static void calls_client(char **a)
{
	bool tcp = !strcmp(a[3], "tcp");
	int fd = connected(tcp ? SOCK_STREAM : SOCK_DGRAM, a[0], a[1]), count = atoi(a[2]);
	int echoed = 0;
	char buf[100], in[100];

	for (int i = 0; i < count; i++) {
		ssize_t got = 0, r = 0;

		memset(buf, 'c', sizeof(buf));
		snprintf(buf, 32, "calls %s %d %d ", a[4], getpid(), i);
		if (calls_io(fd, a[4], true, buf, sizeof(buf)) != sizeof(buf))
			break;
		while (got < (ssize_t)sizeof(in) && wait_readable(fd, 1000) > 0 &&
		       (r = calls_io(fd, a[4], false, in + got, sizeof(in) - got)) > 0)
			got += tcp ? r : (ssize_t)sizeof(in); /* a datagram is one read */
		echoed += got == sizeof(in);
		usleep(2000);
	}
	printf("sent %d echoed %d\n", count, echoed);
}

static void tsink(char **a)
{
	uint64_t end = now_ns() + atoi(a[1]) * 1000000000ull;
	int lfd = bound(SOCK_STREAM, a[0]), fd = -1;
	static char buf[1 << 20];

	while (now_ns() < end) {
		if (fd < 0 && wait_readable(lfd, 100) > 0)
			fd = accept(lfd, NULL, NULL);
		if (fd >= 0 && wait_readable(fd, 100) > 0 && read(fd, buf, sizeof(buf)) <= 0) {
			close(fd);
			fd = -1;
		}
	}
}

static void tstream(char **a)
{
	int fd = connected(SOCK_STREAM, a[0], a[1]);
	uint64_t start = now_ns(), end = start + atoi(a[2]) * 1000000000ull, bytes = 0;
	static char buf[128 * 1024];
	ssize_t n;

	while (now_ns() < end && (n = write(fd, buf, sizeof(buf))) > 0)
		bytes += n;
	printf("%.0f bytes/s\n", bytes / ((now_ns() - start) / 1e9));
}

static void usink(char **a)
{
	uint64_t end = now_ns() + atoi(a[1]) * 1000000000ull, count = 0;
	int fd = bound(SOCK_DGRAM, a[0]);
	char buf[65536];

	while (now_ns() < end)
		if (wait_readable(fd, 100) > 0)
			while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
				count++;
	printf("received %llu\n", (unsigned long long)count);
}

static void uflood(char **a)
{
	int fd = connected(SOCK_DGRAM, a[0], a[1]), size = atoi(a[3]);
	uint64_t start = now_ns(), end = start + atoi(a[2]) * 1000000000ull, sent = 0;
	char buf[65536];

	if (size < 16 || size > (int)sizeof(buf))
		exit(2);
	memset(buf, 'f', size);
	while (now_ns() < end) {
		memcpy(buf, &sent, sizeof(sent)); /* unique heads */
		if (send(fd, buf, size, 0) == size)
			sent++;
	}
	printf("%.0f datagrams/s\n", sent / ((now_ns() - start) / 1e9));
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int nargs;
		void (*fn)(char **);
	} modes[] = {
	    {"relay", 5, relay},     {"uecho", 2, uecho},    {"techo", 2, techo},
	    {"udp", 5, udp_client},  {"tcp", 5, tcp_client}, {"tsink", 2, tsink},
	    {"tstream", 3, tstream}, {"usink", 2, usink},    {"uflood", 4, uflood},
	    {"calls", 5, calls_client},
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (size_t i = 0; argc > 1 && i < sizeof(modes) / sizeof(modes[0]); i++)
		if (!strcmp(argv[1], modes[i].name) && argc == modes[i].nargs + 2) {
			modes[i].fn(argv + 2);
			return 0;
		}
	fprintf(stderr, "usage: see the comment at the top of netlab.c\n");
	return 2;
}
