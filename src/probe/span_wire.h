/* Wire operations as child spans (`spans --wire`, `record --wire`).
 *
 * The MySQL statements and memcached commands that core/wireconn recovers
 * from socket I/O arrive through the wire capture's own ring buffer, so a
 * request (root span closed) and the operations made inside it reach user
 * space in no fixed order. This module therefore holds each finished
 * request for SPAN_WIRE_HOLD_NS after it arrived (a deep copy: the
 * assembler frees its own), buffers operations, and on release attaches
 * every buffered operation of the root's thread that lies within the root's
 * time as a child span: parent = the innermost span of the request open
 * over the whole operation, else the root; probe = the wire probe id of its
 * protocol; attributes cmd, sql or keys, rows, affected, error, hits,
 * misses, peer. Span ids of these children have bit 63 set: kernel ids
 * count up from 1 and never reach it.
 *
 * Nothing is dropped silently: an operation is counted as outside a
 * request when a later request of its thread starts after it ended, when it
 * is older than the eviction age, when the buffer is full, or at the end.
 *
 * No BPF, no I/O: unit-tested in tests/unit/test_span_wire.c. */
#ifndef BPFSCOPE_PROBE_SPAN_WIRE_H
#define BPFSCOPE_PROBE_SPAN_WIRE_H

#include <stdint.h>

#include "core/wireop.h"
#include "probe/spans.h"

#define SPAN_WIRE_HOLD_NS  (300ull * 1000000ull) /* > a few ring buffer drains */
#define SPAN_WIRE_MAX_OPS  65536
#define SPAN_WIRE_MAX_HELD 65536

struct span_wire_stats {
	uint64_t ops;      /* operations seen */
	uint64_t attached; /* ... made child spans */
	uint64_t outside;  /* ... outside any request (or beyond the buffers) */
};

typedef int (*span_wire_emit_fn)(void *ctx, const struct span_request *req);

struct span_wire;

/* probe_base: id of wire:mysql; wire:memcache is probe_base + 1. text_len:
 * characters kept of SQL text and keys. */
struct span_wire *span_wire__new(uint32_t probe_base, int text_len, span_wire_emit_fn fn,
				 void *ctx);
/* One completed operation of thread tid of process pid, with peer "ip:port". */
void span_wire__op(struct span_wire *w, uint32_t pid, uint32_t tid, const char *peer,
		   const struct wire_op *op);
/* A finished request (copied), released at now_ns + SPAN_WIRE_HOLD_NS. */
int span_wire__hold(struct span_wire *w, const struct span_request *req, uint64_t now_ns);
/* Releases the requests due at now_ns (all of them, and counts every
 * remaining operation as outside, when now_ns is UINT64_MAX); ages out
 * operations older than age_ns. Returns the first emit error. */
int span_wire__release(struct span_wire *w, uint64_t now_ns, uint64_t age_ns);
void span_wire__stats(const struct span_wire *w, struct span_wire_stats *out);
void span_wire__free(struct span_wire *w);

#endif
