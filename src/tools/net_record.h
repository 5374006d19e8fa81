/* Boundary records as user space holds them, and their line format for the
 * agent -> collector stream (`bpfscope net --export` to `bpfscope collect`).
 *
 * The stream is plain text, one record per line, so it can be read by eye,
 * replayed from a file and fuzzed:
 *
 *   H 1 <host> <clock> <tai_offset_s> <synced 0|1> <maxerror_us> <esterror_us>
 *   R <boundary 1-4> <T|U> <saddr> <sport> <daddr> <dport> <seq> <len> <hash hex> <wall_ns>
 * <ifindex> <pid> S <events> <drops> <errors> <misses>
 *
 * H opens a stream (protocol version 1) and names the host; R is one
 * boundary crossing (addresses in data direction, "-" when unknown; wall_ns
 * is UTC nanoseconds); S closes it with the agent's loss counters. The
 * parser accepts exactly this and rejects anything else with a reason. */
#ifndef BPFSCOPE_NET_RECORD_H
#define BPFSCOPE_NET_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NET_HOST_MAX 64

struct net_rec {
	uint64_t ts;   /* wall-clock ns (UTC) */
	uint64_t hash; /* UDP payload head */
	uint32_t seq, len;
	uint32_t ifindex, pid;
	uint16_t sport, dport;
	uint16_t host; /* index into the join's host table */
	uint8_t boundary, proto, family;
	uint8_t used; /* join bookkeeping */
	uint8_t saddr[16], daddr[16];
};

struct net_hello {
	char host[NET_HOST_MAX];
	char clock[24];
	int64_t tai_offset_s;
	bool synced;
	int64_t maxerror_us, esterror_us;
};

struct net_stats {
	uint64_t events, drops, errors, misses;
	uint64_t uncovered; /* optional 6th field: datagrams past the kernel's bounded loops */
};

enum net_line_kind { NET_LINE_HELLO = 'H', NET_LINE_REC = 'R', NET_LINE_STATS = 'S' };

union net_line {
	struct net_hello hello;
	struct net_rec rec;
	struct net_stats stats;
};

/* Parses one line (without or with its trailing newline). Returns the kind,
 * or -1 with a reason in err. */
int net_line_parse(const char *line, union net_line *out, char *err, size_t errlen);

int net_format_hello(char *buf, size_t len, const struct net_hello *h);
int net_format_rec(char *buf, size_t len, const struct net_rec *r);
int net_format_stats(char *buf, size_t len, const struct net_stats *s);

/* "10.0.0.1" / "fd00::1" / "-" for an all-zero address. */
void net_addr_str(char *buf, size_t len, uint8_t family, const uint8_t *addr);
bool net_addr_is_zero(const uint8_t *addr);
/* IPv4-mapped IPv6 (::ffff:a.b.c.d) becomes family 4, as on the wire. */
void net_rec_normalize(struct net_rec *r);

#endif
