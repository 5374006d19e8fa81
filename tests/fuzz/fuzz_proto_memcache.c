/* libFuzzer target: the memcached text/meta (and, for streams that start
 * with a binary header, binary: core/proto_mcbin.c) parser on arbitrary byte
 * streams in chunks of both directions with bytes missing. Input as for
 * fuzz_proto_mysql: [control byte][length byte][bytes]... */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/proto_memcache.h"

static void check(void *ctx, const struct wire_op *op)
{
	(void)ctx;
	if (op->end_ns < op->start_ns || !memchr(op->text, 0, sizeof(op->text)) ||
	    !memchr(op->status, 0, sizeof(op->status)) || !memchr(op->cmd, 0, sizeof(op->cmd)) ||
	    op->proto != WIRE_PROTO_MEMCACHE || (op->text[0] && op->keys == 0))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct memcache_conn *c = memcache_conn__new();
	size_t pos = 0;
	uint64_t ts = 0;

	if (!c)
		return 0;
	memcache_detect(data, size, size & 1);
	while (pos + 2 <= size) {
		uint8_t control = data[pos], len = data[pos + 1];
		size_t n = len < size - pos - 2 ? len : size - pos - 2;
		struct wire_chunk ch = {control & 1 ? WIRE_RESP : WIRE_REQ, data + pos + 2, n,
					n + (control >> 1), ts += 10};

		memcache_conn__feed(c, &ch, check, NULL);
		pos += 2 + n;
	}
	memcache_conn__flush(c, check, NULL);
	memcache_conn__free(c);
	return 0;
}
