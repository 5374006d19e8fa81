#define _GNU_SOURCE
/* UDP clients that put several datagrams in one system call, for the net
 * tests (tests/integ/net_batch.sh). Each datagram has a unique head (its
 * sequence number) so every one is a distinct message. Against a UDP echo
 * (netlab uecho); every receive is bounded by a 2 s timeout.
 *
 *   udpbatch mmsg ADDR PORT CALLS VLEN SIZE   sendmmsg of VLEN datagrams per call,
 *                                             echoes read back with recvmmsg
 *   udpbatch gso ADDR PORT CALLS SEGS SIZE    one send of SEGS * SIZE bytes per call
 *                                             with UDP_SEGMENT = SIZE (cmsg on even
 *                                             calls, socket option on odd ones);
 *                                             echoes read with recv
 * Prints "sent N echoed M" (datagrams). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#define MAX_VLEN 64
#define MAX_SIZE 1400

static unsigned seqno;

static void fill(char *buf, int size)
{
	memset(buf, 'b', size);
	snprintf(buf, size, "batch %08u pid %d", seqno++, (int)getpid());
}

static int connected(const char *addr, const char *port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(atoi(port))};
	struct timeval tv = {.tv_sec = 2};
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0 || inet_pton(AF_INET, addr, &sa.sin_addr) != 1 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("connect");
		exit(1);
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static void run_mmsg(int fd, int calls, int vlen, int size)
{
	static char bufs[MAX_VLEN][MAX_SIZE];
	struct mmsghdr msgs[MAX_VLEN];
	struct iovec iovs[MAX_VLEN];
	int sent = 0, echoed = 0;

	for (int c = 0; c < calls; c++) {
		int n, got = 0;

		memset(msgs, 0, sizeof(msgs));
		for (int i = 0; i < vlen; i++) {
			fill(bufs[i], size);
			iovs[i] = (struct iovec){bufs[i], size};
			msgs[i].msg_hdr.msg_iov = &iovs[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
		}
		n = sendmmsg(fd, msgs, vlen, 0);
		sent += n > 0 ? n : 0;
		while (n > 0 && got < n) {
			int r = recvmmsg(fd, msgs, n - got, MSG_WAITFORONE, NULL);

			if (r <= 0)
				break;
			got += r;
		}
		echoed += got;
		usleep(2000);
	}
	printf("sent %d echoed %d\n", sent, echoed);
}

static int send_gso(int fd, char *buf, int len, int size, int use_cmsg)
{
	char control[CMSG_SPACE(sizeof(uint16_t))] = {0};
	struct iovec iov = {buf, len};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	uint16_t seg = size;

	if (use_cmsg) {
		struct cmsghdr *cm;

		msg.msg_control = control;
		msg.msg_controllen = sizeof(control);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_UDP;
		cm->cmsg_type = UDP_SEGMENT;
		cm->cmsg_len = CMSG_LEN(sizeof(seg));
		memcpy(CMSG_DATA(cm), &seg, sizeof(seg));
	}
	return sendmsg(fd, &msg, 0);
}

static void run_gso(int fd, int calls, int segs, int size)
{
	static char buf[MAX_VLEN * MAX_SIZE], in[MAX_SIZE * MAX_VLEN];
	int sent = 0, echoed = 0, seg = size, zero = 0;

	for (int c = 0; c < calls; c++) {
		setsockopt(fd, SOL_UDP, UDP_SEGMENT, c % 2 ? &seg : &zero, sizeof(int));
		for (int i = 0; i < segs; i++)
			fill(buf + i * size, size);
		if (send_gso(fd, buf, segs * size, size, c % 2 == 0) != segs * size) {
			perror("sendmsg UDP_SEGMENT");
			exit(1);
		}
		sent += segs;
		for (int i = 0; i < segs && recv(fd, in, sizeof(in), 0) > 0; i++)
			echoed++;
		usleep(2000);
	}
	printf("sent %d echoed %d\n", sent, echoed);
}

int main(int argc, char **argv)
{
	int calls, n, size, fd;

	if (argc != 7 || (strcmp(argv[1], "mmsg") && strcmp(argv[1], "gso"))) {
		fprintf(stderr, "usage: see the comment at the top of udpbatch.c\n");
		return 2;
	}
	calls = atoi(argv[4]);
	n = atoi(argv[5]);
	size = atoi(argv[6]);
	if (n < 1 || n > MAX_VLEN || size < 32 || size > MAX_SIZE) {
		fprintf(stderr, "udpbatch: 1 <= VLEN/SEGS <= %d, 32 <= SIZE <= %d\n", MAX_VLEN,
			MAX_SIZE);
		return 2;
	}
	fd = connected(argv[2], argv[3]);
	if (!strcmp(argv[1], "mmsg"))
		run_mmsg(fd, calls, n, size);
	else
		run_gso(fd, calls, n, size);
	return 0;
}
