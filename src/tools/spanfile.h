/* Reading a record file (docs/record-schema.md) for `report` and `predict`.
 *
 * What both need is per request (root span): its duration, its kind, and per
 * peer what the whole request (the root and all its descendants) did with
 * that peer: socket calls, round trips, connects, bytes, and time. Per kind
 * they also need the child calls per probe. SQLite does the aggregation
 * (GROUP BY the root), so memory grows with requests x peers per request,
 * not with spans.
 *
 * Kinds: the value of one root attribute (--by; default the first attribute
 * any root has), with the query string removed from URL-like values, so
 * "GET /item?id=7 HTTP/1.1" and "/item?id=9" group as "GET /item HTTP/1.1"
 * and "/item". A root without the attribute has kind "(none)"; a file whose
 * roots have no attributes at all groups by root probe name.
 *
 * Child calls by peer: the child spans of each probe whose own socket I/O
 * went to each peer (a span that talked to two peers counts for both).
 *
 * Time at a peer (wait_ns): a child span whose socket I/O went to peers
 * (e.g. memcached_get) counts its self time (duration - child time) for
 * them, split by round trips (by calls when it made none); I/O done by the
 * root itself counts its syscall time (io_ns). Time the client library
 * spends outside those spans is not attributed. */
#ifndef BPFSCOPE_SPANFILE_H
#define BPFSCOPE_SPANFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/options.h"

struct spanfile_opts {
	const char *by;	 /* grouping attribute; NULL: the first root attribute */
	bool keep_query; /* do not strip query strings */
};

struct sf_use { /* one peer in one request */
	uint32_t peer;
	uint64_t calls, round_trips, connects;
	uint64_t bytes_out, bytes_in, io_ns;
	double wait_ns;
};

struct sf_request {
	int64_t span_id;
	double duration_ns;
	uint32_t kind;
	size_t first_use, nuses; /* into spanfile.uses */
};

struct sf_child { /* the calls of one child probe in all requests of one kind */
	uint64_t calls;
	double total_ns;
};

struct sf_child_peer { /* child spans of one probe, in one kind, that talked to a peer */
	uint32_t kind, probe, peer;
	uint64_t calls;
};

struct sf_loss {
	char *probe; /* NULL: not tied to a probe */
	char *what;
	uint64_t count;
};

struct spanfile {
	char *attr;	 /* grouping attribute; NULL when grouped by root probe */
	char *sample;	 /* meta 'sample' (1 of N roots kept), NULL if absent */
	bool query_kept; /* kinds keep their query strings (--keep-query) */
	char **kinds;
	size_t nkinds;
	char **peers; /* sorted */
	size_t npeers;
	char **probes; /* probe names in id order */
	int64_t *probe_ids;
	bool *probe_is_root;
	size_t nprobes;
	struct sf_request *reqs; /* sorted by span_id */
	size_t nreqs;
	struct sf_use *uses;
	size_t nuses;
	struct sf_child *children;	   /* [kind * nprobes + probe] */
	struct sf_child_peer *child_peers; /* sorted by kind, probe, peer */
	size_t nchild_peers;
	struct sf_loss *losses;
	size_t nlosses;
};

/* The option-table entries of both commands that read record files. */
/* clang-format off */
#define SPANFILE_OPTIONS(o)                                                                        \
	{"by", 0, OPT_STRING, &(o).by, "ATTR",                                                     \
	 "group requests by this root attribute (default: the first one recorded)"},               \
	{"keep-query", 0, OPT_FLAG, &(o).keep_query, NULL,                                         \
	 "keep query strings in URL-like attribute values"}
/* clang-format on */

/* Opens FILE read-only and loads it. On failure prints one error line and
 * returns -1. */
int spanfile_load(const char *path, const struct spanfile_opts *o, struct spanfile **out);
void spanfile_free(struct spanfile *sf);

/* The kind of an attribute value: query string stripped from URL-like values
 * unless keep_query. Returns a new string. */
char *spanfile_kind_of(const char *value, bool keep_query);
/* Index of a peer string, or -1. */
long spanfile_peer_index(const struct spanfile *sf, const char *peer);

#endif
