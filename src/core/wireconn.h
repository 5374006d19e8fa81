/* Connections seen on the wire, each with its protocol parser.
 *
 * The tracker takes the bytes of every socket read and write of traced
 * processes (struct wire_io: one syscall, possibly truncated) and keeps one
 * state per connection, keyed by (pid, socket). A connection's protocol is
 * decided once, from its ports (the well-known MySQL and memcached ports,
 * configurable) or, failing that, from the content of its first chunks
 * (MySQL greeting or command packet, memcached request or reply line);
 * which side of it the traced process is on follows from who wrote what,
 * so a traced server works as well as a traced client. Connections that
 * show no known protocol in their first WIRECONN_DETECT_TRIES chunks are
 * ignored from then on. A socket whose peer changes is a new connection
 * (the kernel reused the socket's memory).
 *
 * Completed operations go to the callback with the connection they
 * belong to. A connection is forgotten when its process closes it or
 * exits; the table is bounded all the same: past WIRECONN_MAX connections
 * the least recently used one is flushed and forgotten. */
#ifndef BPFSCOPE_WIRECONN_H
#define BPFSCOPE_WIRECONN_H

#include <stdbool.h>
#include <stdint.h>

#include "core/wireop.h"

#define WIRECONN_MAX	      4096
#define WIRECONN_DETECT_TRIES 16

struct wire_conninfo {
	uint32_t pid;
	uint32_t tid;  /* the thread of the latest chunk: the one that completed the op */
	uint64_t sock; /* kernel socket address: identity while it lives */
	uint64_t cgroup_id;
	char comm[16];
	char peer[64]; /* "127.0.0.1:3306", "[::1]:11211", "unix" */
	uint16_t lport, rport;
};

struct wire_io {
	struct wire_conninfo conn;
	bool is_write;
	const uint8_t *data;
	size_t captured, len;
	uint64_t start_ns, end_ns; /* syscall entry and exit */
};

struct wireconn_opts {
	unsigned protos;   /* bit (1 << enum wire_proto) for each protocol to follow */
	int mysql_port;	   /* 0: none */
	int memcache_port; /* 0: none */
};

typedef void (*wireconn_op_fn)(void *ctx, const struct wire_conninfo *conn,
			       const struct wire_op *op);

struct wireconn;

struct wireconn *wireconn__new(const struct wireconn_opts *opts, wireconn_op_fn fn, void *ctx);
void wireconn__feed(struct wireconn *t, const struct wire_io *io);
struct wire_event;

/* One record of bpf/wire.bpf.h (data, close or exit), size as received:
 * fills the connection fields, then feeds, closes or forgets. */
void wireconn__feed_event(struct wireconn *t, const struct wire_event *e, size_t size);

/* The process closed the socket / exited: ends what is in flight (marked
 * incomplete) and forgets the connection(s). */
void wireconn__close(struct wireconn *t, uint32_t pid, uint64_t sock);
void wireconn__exit(struct wireconn *t, uint32_t pid);
/* Ends every operation still in flight (marked incomplete). */
void wireconn__flush(struct wireconn *t);
/* Connections with a protocol / ignored ones. */
void wireconn__counts(const struct wireconn *t, unsigned *followed, unsigned *ignored);
void wireconn__free(struct wireconn *t);

#endif
