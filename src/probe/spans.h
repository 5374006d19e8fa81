/* Span assembly in user space: from the kernel's span records (src/bpf/
 * span.h) to whole requests.
 *
 * The kernel sends one record per closed span (children close before their
 * parent), attribute records tagged with the span id, and connection
 * records tagged with span and root ids. The assembler keeps the spans of
 * each open request (keyed by root id) until the root closes, then hands the
 * request (root last, children in closing order, attributes and connection
 * events attached) to a callback and frees it. Nothing grows without bound:
 * at most SPAN_ASM_MAX_PENDING open requests and SPAN_ASM_MAX_SPANS spans
 * per request are kept, requests whose root closed stale (longjmp) are
 * dropped, and requests idle for longer than the eviction age (their thread
 * exited inside the root) are evicted; every one of these is counted.
 *
 * No BPF, no I/O: unit-tested in tests/unit/test_spans.c. */
#ifndef BPFSCOPE_PROBE_SPANS_H
#define BPFSCOPE_PROBE_SPANS_H

#include <stddef.h>
#include <stdint.h>

#include "bpf/span.h"

#define SPAN_ASM_MAX_PENDING 65536
#define SPAN_ASM_MAX_SPANS 4096
#define SPAN_ASM_MAX_ATTRS 16

struct span_attr {
	char *name, *value;
};

struct span_rec {
	struct span_event ev;     /* as the kernel sent it */
	struct span_attr *attrs;
	int nattrs;
};

struct span_conn_rec {
	struct span_conn_event ev;
};

/* A finished request: spans[nspans - 1] is the root. */
struct span_request {
	uint64_t root_id;
	struct span_rec *spans;
	int nspans, cap;
	struct span_conn_rec *conns;
	int nconns, conn_cap;
	uint64_t last_ns;       /* monotonic time of the latest record */
	int spans_dropped;      /* beyond SPAN_ASM_MAX_SPANS */
};

struct span_asm_stats {
	uint64_t requests;      /* complete requests handed out */
	uint64_t spans;         /* spans in them */
	uint64_t stale;         /* requests whose root never returned */
	uint64_t evicted;       /* requests idle past the eviction age */
	uint64_t overflow;      /* records refused: too many open requests or spans */
	uint64_t orphan_attrs;  /* attribute sets whose span never closed */
};

typedef void (*span_request_fn)(void *ctx, const struct span_request *req);

struct span_asm;

struct span_asm *span_asm__new(span_request_fn fn, void *ctx);
/* A closed span. Returns 0, or -ENOMEM. */
int span_asm__end(struct span_asm *a, const struct span_event *ev);
int span_asm__conn(struct span_asm *a, const struct span_conn_event *ev);
/* One attribute of a span that has not closed yet (copied). */
int span_asm__attr(struct span_asm *a, uint64_t span_id, const char *name, const char *value,
		   uint64_t now_ns);
/* Drops requests and attributes idle since before now_ns - age_ns. */
void span_asm__evict(struct span_asm *a, uint64_t now_ns, uint64_t age_ns);
void span_asm__stats(const struct span_asm *a, struct span_asm_stats *out);
/* Frees everything, counting what was still open as evicted. */
void span_asm__free(struct span_asm *a);

/* "127.0.0.1:11211", "[::1]:11211". */
const char *span_peer_format(const struct span_peer_addr *p, char *buf, size_t len);

/* Per-request summary used by both the live view and the record file. */
struct span_peer_sum {
	struct span_peer_addr peer;
	uint64_t calls, round_trips, bytes_out, bytes_in, io_ns;
};

struct span_probe_sum {
	uint32_t probe;
	uint64_t count, total_ns;
};

struct span_summary {
	uint64_t duration_ns, self_ns;
	struct span_probe_sum *children; /* per child probe, in probe order */
	int nchildren;
	struct span_peer_sum *peers;     /* over all spans of the request, busiest first */
	int npeers;
};

/* Fills *s (arrays malloc'ed); -ENOMEM on failure. */
int span_summarize(const struct span_request *req, struct span_summary *s);
void span_summary_free(struct span_summary *s);

#endif
