/* memcached text and meta protocol from a connection's byte stream.
 *
 * Requests are lines ("get k1 k2\r\n", "set k 0 0 5\r\n" + 5 data bytes +
 * "\r\n", "mg k v\r\n", "ms k 5 T60\r\n" + data); each becomes a pending
 * op in a FIFO, since clients may pipeline. Response lines complete the op
 * at the front: VALUE ... END counts hits among the keys asked (the rest
 * are misses), STORED / NOT_STORED / EXISTS / NOT_FOUND / DELETED /
 * TOUCHED / a number (incr/decr) / ERROR / CLIENT_ERROR / SERVER_ERROR
 * give the status; meta replies VA/HD are hits, EN/NF misses, NS/EX
 * failures, MN ends quiet-mode (q flag) requests, which get no reply on
 * their default outcome. Values are skipped by their announced length and
 * never kept. noreply requests are emitted when sent.
 *
 * A connection whose first bytes are a binary-protocol header (0x80/0x81)
 * is handed to core/proto_mcbin.c instead.
 *
 * Limits: a quiet meta request that did get a reply takes the first reply
 * after it (no opaque matching). */
#ifndef BPFSCOPE_PROTO_MEMCACHE_H
#define BPFSCOPE_PROTO_MEMCACHE_H

#include "core/proto_mysql.h" /* enum wire_role */
#include "core/wireop.h"

#define MEMCACHE_PENDING 32   /* requests in flight per connection */
#define MEMCACHE_LINE	 2048 /* longest line kept (longer lines are cut) */

struct memcache_conn;

struct memcache_conn *memcache_conn__new(void);
void memcache_conn__feed(struct memcache_conn *c, const struct wire_chunk *ch, wire_op_fn fn,
			 void *ctx);
void memcache_conn__flush(struct memcache_conn *c, wire_op_fn fn, void *ctx);
void memcache_conn__free(struct memcache_conn *c);

/* A chunk that starts with a request line (or binary request header) makes
 * the writer the client; one that starts with a reply line (VALUE, STORED,
 * ...) or binary response header the reader. */
enum wire_role memcache_detect(const uint8_t *data, size_t captured, bool is_write);

#endif
