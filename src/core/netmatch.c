/* See netmatch.h. */
#include "core/netmatch.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/options.h"

static int parse_port(const char *s, uint16_t *port)
{
	long long v;

	if (parse_int(s, 1, 65535, &v))
		return -1;
	*port = (uint16_t)v;
	return 0;
}

/* A bare address, v4 or v6, into a. */
static int parse_addr(const char *s, struct netaddr *a)
{
	if (inet_pton(AF_INET, s, a->addr) == 1) {
		a->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a->addr) == 1) {
		a->family = AF_INET6;
		return 0;
	}
	return -1;
}

/* "ADDR:PORT", "[V6]:PORT", and with port_optional also "ADDR", "[V6]", "V6". */
static int parse_endpoint(const char *s, struct netaddr *a, bool port_optional)
{
	char host[64];
	const char *colon;
	size_t len;

	memset(a, 0, sizeof(*a));
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || (size_t)(close - s - 1) >= sizeof(host))
			return -1;
		snprintf(host, sizeof(host), "%.*s", (int)(close - s - 1), s + 1);
		if (inet_pton(AF_INET6, host, a->addr) != 1)
			return -1;
		a->family = AF_INET6;
		if (close[1] == '\0')
			return port_optional ? 0 : -1;
		return close[1] == ':' ? parse_port(close + 2, &a->port) : -1;
	}
	colon = strchr(s, ':');
	if (colon && strchr(colon + 1, ':')) /* two colons: a bare IPv6 address */
		return port_optional ? parse_addr(s, a) : -1;
	if (!colon)
		return port_optional ? parse_addr(s, a) : -1;
	len = (size_t)(colon - s);
	if (len >= sizeof(host))
		return -1;
	snprintf(host, sizeof(host), "%.*s", (int)len, s);
	if (inet_pton(AF_INET, host, a->addr) != 1)
		return -1;
	a->family = AF_INET;
	return parse_port(colon + 1, &a->port);
}

int netaddr_parse_peer(const char *peer, struct netaddr *a)
{
	return parse_endpoint(peer, a, false);
}

int netmatch_parse(const char *spec, struct netmatch *m)
{
	const char *slash = strchr(spec, '/');
	char host[64];
	long long len;

	memset(m, 0, sizeof(*m));
	if (!slash) {
		if (parse_endpoint(spec, &m->net, true))
			return -1;
		m->prefix = m->net.family == AF_INET ? 32 : 128;
		return 0;
	}
	if ((size_t)(slash - spec) >= sizeof(host))
		return -1;
	snprintf(host, sizeof(host), "%.*s", (int)(slash - spec), spec);
	if (parse_addr(host, &m->net) ||
	    parse_int(slash + 1, 0, m->net.family == AF_INET ? 32 : 128, &len))
		return -1;
	m->prefix = (int)len;
	return 0;
}

static bool prefix_equal(const uint8_t *a, const uint8_t *b, int bits)
{
	int bytes = bits / 8, rest = bits % 8;

	if (memcmp(a, b, (size_t)bytes))
		return false;
	return !rest || ((a[bytes] ^ b[bytes]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

bool netmatch_addr(const struct netmatch *m, const struct netaddr *a)
{
	static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	const uint8_t *addr = a->addr;

	if (m->net.port && m->net.port != a->port)
		return false;
	if (m->net.family == AF_INET && a->family == AF_INET6) {
		if (memcmp(a->addr, v4mapped, sizeof(v4mapped)))
			return false;
		addr = a->addr + 12;
	} else if (m->net.family != a->family) {
		return false;
	}
	return prefix_equal(m->net.addr, addr, m->prefix);
}

bool netmatch_peer(const struct netmatch *m, const char *peer)
{
	struct netaddr a;

	return netaddr_parse_peer(peer, &a) == 0 && netmatch_addr(m, &a);
}
