/* Matching socket peers against what a user names on the command line.
 *
 * A record file names each peer as "ADDR:PORT" ("[ADDR]:PORT" for IPv6);
 * users name peers as an address ("127.0.0.1", "::1"), an address and port
 * ("127.0.0.1:11211", "[::1]:11211") or a network in CIDR notation
 * ("10.0.0.0/8", "fd00::/8"). An IPv4 pattern also matches the IPv4-mapped
 * IPv6 form of its addresses (::ffff:10.1.2.3), which dual-stack sockets
 * report. Numeric only: no DNS. */
#ifndef BPFSCOPE_NETMATCH_H
#define BPFSCOPE_NETMATCH_H

#include <stdbool.h>
#include <stdint.h>

struct netaddr {
	int family;	  /* AF_INET or AF_INET6 */
	uint8_t addr[16]; /* network byte order; IPv4 in the first 4 bytes */
	uint16_t port;	  /* 0: none given */
};

struct netmatch {
	struct netaddr net; /* port 0: any port */
	int prefix;	    /* leading bits that must match (32 or 128 for one address) */
};

/* "ADDR", "ADDR:PORT", "[V6]", "[V6]:PORT", "V6", "ADDR/LEN": 0, or -1 when
 * malformed (nothing printed). */
int netmatch_parse(const char *spec, struct netmatch *m);
/* "ADDR:PORT" or "[V6]:PORT" as written in record files: 0 or -1. */
int netaddr_parse_peer(const char *peer, struct netaddr *a);
bool netmatch_addr(const struct netmatch *m, const struct netaddr *a);
/* A peer string that does not parse matches nothing. */
bool netmatch_peer(const struct netmatch *m, const char *peer);

#endif
