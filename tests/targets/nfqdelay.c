/* NFQUEUE delayer for the network lab (no netem on this kernel): every
 * packet of queue QUEUE is held DELAY_MS, then accepted, in arrival order.
 * Runs SECS seconds.   nfqdelay QUEUE DELAY_MS SECS */
#define _GNU_SOURCE /* ppoll */
#include <arpa/inet.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>

#ifndef NF_ACCEPT
#define NF_ACCEPT 1
#endif

#define MAXQ 65536

static uint32_t ids[MAXQ];
static uint64_t dues[MAXQ];
static unsigned head, tail;
static uint64_t delay_ns;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int on_packet(struct nfq_q_handle *qh, struct nfgenmsg *msg, struct nfq_data *nfa,
		     void *data)
{
	struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(nfa);

	(void)msg;
	(void)data;
	if (!ph)
		return 0;
	if (tail - head == MAXQ) /* full: let it through now */
		return nfq_set_verdict(qh, ntohl(ph->packet_id), NF_ACCEPT, 0, NULL);
	ids[tail % MAXQ] = ntohl(ph->packet_id);
	dues[tail % MAXQ] = now_ns() + delay_ns;
	tail++;
	return 0;
}

int main(int argc, char **argv)
{
	struct nfq_handle *h;
	struct nfq_q_handle *qh;
	uint64_t end;
	char buf[65536];
	int fd;

	if (argc != 4)
		return 2;
	delay_ns = atoi(argv[2]) * 1000000ull;
	end = now_ns() + atoi(argv[3]) * 1000000000ull;
	h = nfq_open();
	if (!h || !(qh = nfq_create_queue(h, atoi(argv[1]), on_packet, NULL)) ||
	    nfq_set_mode(qh, NFQNL_COPY_META, 0) < 0) {
		fprintf(stderr, "nfqdelay: cannot open queue %s\n", argv[1]);
		return 1;
	}
	fd = nfq_fd(h);
	prctl(PR_SET_TIMERSLACK, 1UL); /* wake when due, not up to 50 us later */
	printf("ready\n");
	fflush(stdout);
	while (now_ns() < end) {
		/* sleep exactly until the next packet is due (ppoll has ns
		 * resolution: no spinning through the last millisecond, which on
		 * a busy machine took CPU from the very programs being delayed) */
		uint64_t now = now_ns(), due = head == tail ? now + 50000000 : dues[head % MAXQ];
		uint64_t wait = due > now ? due - now : 0;
		struct timespec ts = {(time_t)(wait / 1000000000), (long)(wait % 1000000000)};
		struct pollfd p = {fd, POLLIN, 0};

		if (ppoll(&p, 1, &ts, NULL) > 0) {
			int n = recv(fd, buf, sizeof(buf), 0);

			if (n > 0)
				nfq_handle_packet(h, buf, n);
		}
		while (head != tail && dues[head % MAXQ] <= now_ns()) {
			nfq_set_verdict(qh, ids[head % MAXQ], NF_ACCEPT, 0, NULL);
			head++;
		}
	}
	while (head != tail) /* release what is still held */
		nfq_set_verdict(qh, ids[head++ % MAXQ], NF_ACCEPT, 0, NULL);
	nfq_destroy_queue(qh);
	nfq_close(h);
	return 0;
}
