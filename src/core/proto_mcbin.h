/* memcached binary protocol from a connection's byte stream (what
 * libmemcached speaks with MEMCACHED_BEHAVIOR_BINARY_PROTOCOL, php-memcached
 * with Memcached::OPT_BINARY_PROTOCOL).
 *
 * Every packet is a 24-byte header (magic 0x80 request / 0x81 response,
 * opcode, key length, extras length, status, total body length, opaque,
 * CAS) and a body (extras, key, value). Requests become pending ops in a
 * FIFO; a response completes the pending op with the same opaque (what the
 * server echoes). Quiet requests (GetQ, GetKQ, SetQ, DeleteQ...) get no
 * response on their default outcome; clients end a batch of them with a
 * NoOp, whose response settles them: libmemcached sends every get, single
 * or multi, as GetKQ per key + NoOp, so a run of quiet gets up to the NoOp
 * becomes one "get" op with its keys, hits (responses) and misses (the
 * rest), the way the text protocol's "get k1 k2" is shown. Statuses are
 * shown as the text protocol's words (STORED, NOT_FOUND, EXISTS...); an
 * increment's new value as its number. Values are skipped by length and
 * never kept; a body whose bytes are missing from the capture is skipped,
 * a header that is missing loses sync until the next request write. */
#ifndef BPFSCOPE_PROTO_MCBIN_H
#define BPFSCOPE_PROTO_MCBIN_H

#include <stdbool.h>

#include "core/wireop.h"

#define MCBIN_PENDING 64 /* requests in flight per connection */

struct mcbin_conn;

struct mcbin_conn *mcbin_conn__new(void);
void mcbin_conn__feed(struct mcbin_conn *c, const struct wire_chunk *ch, wire_op_fn fn, void *ctx);
void mcbin_conn__flush(struct mcbin_conn *c, wire_op_fn fn, void *ctx);
void mcbin_conn__free(struct mcbin_conn *c);

/* Does data start with a binary request (magic 0x80) or response (0x81)
 * header of a known opcode? 0x80 / 0x81, or 0. */
int mcbin_detect(const uint8_t *data, size_t captured);

#endif
