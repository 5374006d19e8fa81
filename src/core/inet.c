#include "core/inet.h"

#include <arpa/inet.h>
#include <stdio.h>

#include "core/output.h"

const char *inet_addr_str(unsigned family, const uint8_t *addr, char *buf, size_t len)
{
	int af = family == TCPSOCK_AF_INET6 ? AF_INET6 : family == TCPSOCK_AF_INET ? AF_INET : -1;

	if (af < 0 || !inet_ntop(af, addr, buf, len))
		snprintf(buf, len, "?");
	return buf;
}

const char *tcp_state_name(int state)
{
	static const char *const names[] = {
		[TCPS_ESTABLISHED] = "ESTABLISHED", [TCPS_SYN_SENT] = "SYN_SENT",
		[TCPS_SYN_RECV] = "SYN_RECV",	    [TCPS_FIN_WAIT1] = "FIN_WAIT1",
		[TCPS_FIN_WAIT2] = "FIN_WAIT2",	    [TCPS_TIME_WAIT] = "TIME_WAIT",
		[TCPS_CLOSE] = "CLOSE",		    [TCPS_CLOSE_WAIT] = "CLOSE_WAIT",
		[TCPS_LAST_ACK] = "LAST_ACK",	    [TCPS_LISTEN] = "LISTEN",
		[TCPS_CLOSING] = "CLOSING",	    [TCPS_NEW_SYN_RECV] = "NEW_SYN_RECV",
	};
	static char unknown[32];

	if (state > 0 && state < (int)(sizeof(names) / sizeof(names[0])) && names[state])
		return names[state];
	snprintf(unknown, sizeof(unknown), "UNKNOWN(%d)", state);
	return unknown;
}

int inet_version(unsigned family)
{
	return family == TCPSOCK_AF_INET6 ? 6 : 4;
}

void inet_out_addrs(struct out *o, const struct sock_addrs *a)
{
	char buf[INET_ADDR_LEN];

	out__u64(o, inet_version(a->family));
	out__str(o, inet_addr_str(a->family, a->saddr, buf, sizeof(buf)));
	out__u64(o, a->sport);
	out__str(o, inet_addr_str(a->family, a->daddr, buf, sizeof(buf)));
	out__u64(o, a->dport);
}
