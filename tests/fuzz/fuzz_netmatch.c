/* libFuzzer target: peers as users name them (`predict --add PEER=+MS`,
 * ADDR, ADDR:PORT, [V6]:PORT, CIDR) and as record files store them
 * ("ADDR:PORT", "[V6]:PORT"). Input: the --add argument, then after the
 * first newline a peer string. A pattern that parses must match the address
 * it names, and a peer that parses must match itself as a pattern. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/netmatch.h"
#include "tools/predict_model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *peer;
	struct peer_add add;
	struct netmatch m;
	struct netaddr a;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	peer = strchr(text, '\n');
	if (peer)
		*peer++ = 0;
	else
		peer = text;
	if (!peer_add_parse(text, &add) &&
	    (add.add_ns < 0 || add.match.prefix < 0 || add.match.prefix > 128))
		abort();
	if (!netmatch_parse(text, &m)) {
		if (m.prefix < 0 || m.prefix > (m.net.family == AF_INET ? 32 : 128) ||
		    !netmatch_addr(&m, &m.net))
			abort();
		(void)netmatch_peer(&m, peer);
	}
	if (!netaddr_parse_peer(peer, &a)) {
		struct netmatch self = {.net = a, .prefix = a.family == AF_INET ? 32 : 128};

		if (!netmatch_addr(&self, &a) || !netmatch_peer(&self, peer))
			abort();
	}
	free(text);
	return 0;
}
