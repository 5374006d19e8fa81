/* OTLP/HTTP span export (JSON encoding of the OTLP protobuf schema,
 * opentelemetry-proto trace/v1, as specified for OTLP/HTTP with
 * Content-Type application/json).
 *
 * Design: producers (the event-loop thread) copy a finished span into a
 * bounded queue (OTLP_QUEUE spans) and never wait: a full queue drops the
 * span and counts it. One exporter thread takes up to OTLP_BATCH spans,
 * or what is there after OTLP_LINGER_MS, encodes one ExportTraceService-
 * Request (resourceSpans -> scopeSpans -> spans) and POSTs it over plain
 * HTTP/1.1 (no TLS: the collector is node-local). A failed POST (connect
 * error, timeout, 429, 5xx) is retried with exponential backoff (100 ms,
 * doubling, at most OTLP_RETRIES times); after that the batch is dropped
 * and counted; 4xx other than 429 drops at once (a malformed request will
 * not get better).
 *
 * Ids: trace ids must agree across hosts without coordination, so they are
 * derived from what both ends see (otlp_trace_id_flow): for a TCP record
 * the 5-tuple normalized so that both directions give the same key (lower
 * address:port first) plus the TCP sequence number of the segment; for a
 * probe event with no flow, the (boot id, pid, tid, entry time) of the call.
 * The bytes are the 128-bit output of two independent 64-bit hashes
 * (splitmix-finalized FNV-1a), hex encoded to 32 characters. Span ids are
 * the first 64 bits of a hash of (trace id, probe, entry time, tid). */
#ifndef BPFSCOPE_OTLP_H
#define BPFSCOPE_OTLP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_object;

#define OTLP_QUEUE     4096
#define OTLP_BATCH     512
#define OTLP_LINGER_MS 200
#define OTLP_RETRIES   5

#define OTLP_MAX_ATTRS	12
#define OTLP_MAX_EVENTS 8

enum otlp_value_kind { OTLP_STR, OTLP_INT, OTLP_DOUBLE, OTLP_BOOL };

struct otlp_attr {
	char key[40];
	enum otlp_value_kind kind;
	char str[96];
	int64_t i;
	double d;
};

struct otlp_event {
	char name[32];
	uint64_t time_unix_ns;
	struct otlp_attr attrs[2];
	int nattrs;
};

/* SpanKind of the OTLP schema (numbers as in the proto). */
enum otlp_span_kind {
	OTLP_KIND_INTERNAL = 1,
	OTLP_KIND_SERVER = 2,
	OTLP_KIND_CLIENT = 3,
};

struct otlp_span {
	uint8_t trace_id[16];
	uint8_t span_id[8];
	uint8_t parent_span_id[8]; /* all zero: a root span */
	char name[128];
	enum otlp_span_kind kind;
	uint64_t start_unix_ns, end_unix_ns;
	bool error;
	struct otlp_attr attrs[OTLP_MAX_ATTRS];
	int nattrs;
	struct otlp_event events[OTLP_MAX_EVENTS];
	int nevents;
	/* the observed process: the span's resource (spans of one pid share
	 * one resourceSpans entry) */
	uint32_t pid;
	char comm[16];
	char container_id[72], pod[64], k8s_namespace[64];
};

/* Attribute helpers (silently ignore what does not fit). */
void otlp_attr_str(struct otlp_attr *attrs, int *n, int max, const char *key, const char *value);
void otlp_attr_int(struct otlp_attr *attrs, int *n, int max, const char *key, int64_t value);

/* Flow 5-tuple as both ends see it; addresses in network byte order (IPv4
 * in the first 4 bytes, the rest zero), ports in host order. */
struct otlp_flow {
	uint8_t saddr[16], daddr[16];
	uint16_t sport, dport;
	uint8_t proto;
};
void otlp_trace_id_flow(const struct otlp_flow *flow, uint32_t tcp_seq, uint8_t id[16]);
void otlp_trace_id_call(uint32_t pid, uint32_t tid, uint64_t entry_mono_ns, uint8_t id[16]);
void otlp_span_id(const uint8_t trace_id[16], uint32_t probe, uint64_t ts, uint32_t tid,
		  uint8_t id[8]);
/* Lower-case hex, NUL-terminated (2 * n + 1 bytes). */
void otlp_hex(const uint8_t *bytes, size_t n, char *out);

/* ExportTraceServiceRequest JSON of n spans with the resource attributes
 * (host.name, process.pid, service.name, container/pod when known). */
struct json_object *otlp_encode(const struct otlp_span *spans, int n);
/* The same in the protobuf wire format (core/otlp_pb.c): *out malloc'ed. */
int otlp_encode_protobuf(const struct otlp_span *spans, int n, uint8_t **out, size_t *len);

/* The resource of a span's process (at most OTLP_RESOURCE_ATTRS), and
 * whether two spans share it (one resourceSpans entry). */
#define OTLP_RESOURCE_ATTRS 8
int otlp_resource_attrs(const struct otlp_span *s, struct otlp_attr *attrs);
bool otlp_same_resource(const struct otlp_span *a, const struct otlp_span *b);

/* Option parser of --otlp: "http://HOST:PORT/PATH" (numeric host). */
int otlp_parse_option(const char *arg, void *dest);

/* Starts the exporter thread (protobuf: application/x-protobuf bodies,
 * else JSON); one error line and < 0 for a bad URL. */
int otlp_start(const char *url, bool protobuf);
/* Queues a copy; false when dropped (queue full or not started). */
bool otlp_submit(const struct otlp_span *span);
/* Waits up to timeout_s for the queue to empty, then stops the thread. */
void otlp_stop(double timeout_s);
bool otlp_running(void);

struct otlp_stats {
	uint64_t queued, exported, dropped_queue, dropped_export, retries, batches;
	unsigned depth;
};
void otlp_get_stats(struct otlp_stats *out);

#endif
