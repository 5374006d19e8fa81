/* The record file of `bpfscope record` (docs/record-schema.md is the
 * contract): an SQLite database in WAL mode. Requests are inserted inside
 * one open transaction that is committed every SPAN_STORE_BATCH requests
 * or when span_store__tick finds it older than the commit interval, so a
 * busy recording costs one commit per batch, and a writer killed with
 * SIGKILL leaves a file holding every batch committed before the kill
 * (WAL replays committed frames, drops the torn tail). Memory stays flat:
 * only prepared statements and SQLite's page cache (bounded by
 * cache_size) are kept, never the rows. */
#ifndef BPFSCOPE_PROBE_SPAN_RECORD_H
#define BPFSCOPE_PROBE_SPAN_RECORD_H

#include <stdint.h>

#include "probe/spans.h"

#define SPAN_STORE_SCHEMA_VERSION "1"
#define SPAN_STORE_BATCH 1000

struct span_store;

/* Creates path (replacing an existing file and its -wal/-shm); wall_offset_ns
 * turns kernel monotonic times into wall-clock ones. One error line and
 * NULL on failure. */
struct span_store *span_store__open(const char *path, int64_t wall_offset_ns);
int span_store__meta(struct span_store *s, const char *key, const char *value);
int span_store__probe(struct span_store *s, int id, const char *spec, const char *role,
		      const char *name);
/* Inserts the request's spans, attributes, peers and connections. */
int span_store__request(struct span_store *s, const struct span_request *req);
/* probe_id < 0: a total not tied to a probe. */
int span_store__loss(struct span_store *s, int probe_id, const char *what, uint64_t count);
/* Commits when the open transaction is older than interval_ns. */
int span_store__tick(struct span_store *s, uint64_t now_ns, uint64_t interval_ns);
int span_store__commit(struct span_store *s);
/* Commits and closes; returns the first error seen. */
int span_store__close(struct span_store *s);
/* Rows written so far: requests (root spans) and spans. */
void span_store__counts(const struct span_store *s, uint64_t *requests, uint64_t *spans);

#endif
