/* Formatting of socket addresses and TCP states for the tcp* tools. */
#ifndef BPFSCOPE_INET_H
#define BPFSCOPE_INET_H

#include <stddef.h>
#include <stdint.h>

#include "bpf/tcpsock.h"

#define INET_ADDR_LEN 46 /* INET6_ADDRSTRLEN */

/* "127.0.0.1", "::1"; "?" for an unknown family. */
const char *inet_addr_str(unsigned family, const uint8_t *addr, char *buf, size_t len);
/* "ESTABLISHED", ..., or "UNKNOWN(n)" in a static buffer. */
const char *tcp_state_name(int state);
/* "4" or "6" for the IP column. */
int inet_version(unsigned family);

struct out;

/* The five address columns every tcp* tool prints, in this order. */
/* clang-format off */
#define INET_COLUMNS                                                                               \
	{ "ip", "IP", 2 }, { "saddr", "SADDR", -16 }, { "sport", "SPORT", 6 },                     \
		{ "daddr", "DADDR", -16 }, { "dport", "DPORT", 6 }
/* clang-format on */
void inet_out_addrs(struct out *o, const struct sock_addrs *a);

#endif
