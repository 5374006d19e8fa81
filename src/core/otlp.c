/* See otlp.h. The queue is a ring of struct otlp_span guarded by one mutex;
 * the producer holds it only to copy one span in. */
#include "core/otlp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/endpoint.h"
#include "core/log.h"

static struct {
	pthread_mutex_t lock;
	pthread_cond_t wake, drained;
	pthread_t thread;
	bool running, stopping, busy, protobuf;
	struct otlp_span *ring;
	unsigned head, count;
	struct otlp_stats stats;
	char host[80], path[256];
	struct endpoint ep;
} q = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER};

void otlp_attr_str(struct otlp_attr *attrs, int *n, int max, const char *key, const char *value)
{
	if (*n >= max || !value)
		return;
	memset(&attrs[*n], 0, sizeof(attrs[*n]));
	snprintf(attrs[*n].key, sizeof(attrs[*n].key), "%s", key);
	snprintf(attrs[*n].str, sizeof(attrs[*n].str), "%s", value);
	attrs[(*n)++].kind = OTLP_STR;
}

void otlp_attr_int(struct otlp_attr *attrs, int *n, int max, const char *key, int64_t value)
{
	if (*n >= max)
		return;
	memset(&attrs[*n], 0, sizeof(attrs[*n]));
	snprintf(attrs[*n].key, sizeof(attrs[*n].key), "%s", key);
	attrs[*n].i = value;
	attrs[(*n)++].kind = OTLP_INT;
}

/* FNV-1a over the bytes from a seed, finalized with splitmix64 so that
 * nearby inputs give unrelated ids. */
static uint64_t hash64(const void *data, size_t len, uint64_t seed)
{
	const uint8_t *p = data;
	uint64_t h = 0xcbf29ce484222325ULL ^ seed;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	return h ^ (h >> 31);
}

static void id128(const void *data, size_t len, uint8_t id[16])
{
	uint64_t a = hash64(data, len, 0x62706673636f7065ULL),
		 b = hash64(data, len, 0x7472616365696421ULL);

	for (int i = 0; i < 8; i++) {
		id[i] = (uint8_t)(a >> (56 - 8 * i));
		id[8 + i] = (uint8_t)(b >> (56 - 8 * i));
	}
	if (!a && !b) /* all-zero is the invalid trace id */
		id[15] = 1;
}

void otlp_trace_id_flow(const struct otlp_flow *flow, uint32_t tcp_seq, uint8_t id[16])
{
	struct {
		uint8_t lo_addr[16], hi_addr[16];
		uint16_t lo_port, hi_port;
		uint8_t proto, pad[3];
		uint32_t seq;
	} key;
	int c = memcmp(flow->saddr, flow->daddr, 16);
	bool src_low = c < 0 || (c == 0 && flow->sport <= flow->dport);

	memset(&key, 0, sizeof(key));
	memcpy(key.lo_addr, src_low ? flow->saddr : flow->daddr, 16);
	memcpy(key.hi_addr, src_low ? flow->daddr : flow->saddr, 16);
	key.lo_port = src_low ? flow->sport : flow->dport;
	key.hi_port = src_low ? flow->dport : flow->sport;
	key.proto = flow->proto;
	key.seq = tcp_seq;
	id128(&key, sizeof(key), id);
}

static void boot_id(char *buf, size_t len)
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");

	buf[0] = 0;
	if (f) {
		if (!fgets(buf, (int)len, f))
			buf[0] = 0;
		fclose(f);
	}
}

void otlp_trace_id_call(uint32_t pid, uint32_t tid, uint64_t entry_mono_ns, uint8_t id[16])
{
	static char boot[40];
	struct {
		char boot[40];
		uint32_t pid, tid;
		uint64_t ts;
	} key;

	if (!boot[0])
		boot_id(boot, sizeof(boot));
	memset(&key, 0, sizeof(key));
	memcpy(key.boot, boot, sizeof(key.boot));
	key.pid = pid;
	key.tid = tid;
	key.ts = entry_mono_ns;
	id128(&key, sizeof(key), id);
}

void otlp_span_id(const uint8_t trace_id[16], uint32_t probe, uint64_t ts, uint32_t tid,
		  uint8_t id[8])
{
	struct {
		uint8_t trace[16];
		uint32_t probe, tid;
		uint64_t ts;
	} key;
	uint64_t h;

	memset(&key, 0, sizeof(key));
	memcpy(key.trace, trace_id, 16);
	key.probe = probe;
	key.tid = tid;
	key.ts = ts;
	h = hash64(&key, sizeof(key), 0x7370616e2d696421ULL);
	if (!h)
		h = 1; /* all-zero is the invalid span id */
	for (int i = 0; i < 8; i++)
		id[i] = (uint8_t)(h >> (56 - 8 * i));
}

void otlp_hex(const uint8_t *bytes, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[bytes[i] >> 4];
		out[2 * i + 1] = digits[bytes[i] & 15];
	}
	out[2 * n] = 0;
}

/* uint64 fields (times) are JSON strings in OTLP/JSON; int64 values too. */
static struct json_object *u64_string(uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
	return json_object_new_string(buf);
}

static struct json_object *key_value(const struct otlp_attr *a)
{
	struct json_object *kv = json_object_new_object(), *v = json_object_new_object();
	char buf[24];

	json_object_object_add(kv, "key", json_object_new_string(a->key));
	switch (a->kind) {
	case OTLP_STR:
		json_object_object_add(v, "stringValue", json_object_new_string(a->str));
		break;
	case OTLP_INT:
		snprintf(buf, sizeof(buf), "%lld", (long long)a->i);
		json_object_object_add(v, "intValue", json_object_new_string(buf));
		break;
	case OTLP_DOUBLE:
		json_object_object_add(v, "doubleValue", json_object_new_double(a->d));
		break;
	case OTLP_BOOL:
		json_object_object_add(v, "boolValue", json_object_new_boolean(a->i != 0));
		break;
	}
	json_object_object_add(kv, "value", v);
	return kv;
}

static struct json_object *attr_array(const struct otlp_attr *attrs, int n)
{
	struct json_object *arr = json_object_new_array();

	for (int i = 0; i < n; i++)
		json_object_array_add(arr, key_value(&attrs[i]));
	return arr;
}

static struct json_object *span_json(const struct otlp_span *s)
{
	struct json_object *o = json_object_new_object(), *events = json_object_new_array();
	char hex[33];
	static const uint8_t zero[8];

	otlp_hex(s->trace_id, 16, hex);
	json_object_object_add(o, "traceId", json_object_new_string(hex));
	otlp_hex(s->span_id, 8, hex);
	json_object_object_add(o, "spanId", json_object_new_string(hex));
	if (memcmp(s->parent_span_id, zero, 8)) {
		otlp_hex(s->parent_span_id, 8, hex);
		json_object_object_add(o, "parentSpanId", json_object_new_string(hex));
	}
	json_object_object_add(o, "name", json_object_new_string(s->name));
	json_object_object_add(o, "kind",
			       json_object_new_int(s->kind ? s->kind : OTLP_KIND_INTERNAL));
	json_object_object_add(o, "startTimeUnixNano", u64_string(s->start_unix_ns));
	json_object_object_add(o, "endTimeUnixNano", u64_string(s->end_unix_ns));
	json_object_object_add(o, "attributes", attr_array(s->attrs, s->nattrs));
	for (int i = 0; i < s->nevents; i++) {
		struct json_object *e = json_object_new_object();

		json_object_object_add(e, "timeUnixNano", u64_string(s->events[i].time_unix_ns));
		json_object_object_add(e, "name", json_object_new_string(s->events[i].name));
		json_object_object_add(e, "attributes",
				       attr_array(s->events[i].attrs, s->events[i].nattrs));
		json_object_array_add(events, e);
	}
	json_object_object_add(o, "events", events);
	if (s->error) {
		struct json_object *st = json_object_new_object();

		json_object_object_add(st, "code", json_object_new_int(2)); /* STATUS_CODE_ERROR */
		json_object_object_add(o, "status", st);
	}
	return o;
}

int otlp_resource_attrs(const struct otlp_span *s, struct otlp_attr *attrs)
{
	const int max = OTLP_RESOURCE_ATTRS;
	char host[256] = "";
	int n = 0;

	gethostname(host, sizeof(host) - 1);
	otlp_attr_str(attrs, &n, max, "service.name", s->comm[0] ? s->comm : "bpfscope");
	otlp_attr_str(attrs, &n, max, "host.name", host);
	otlp_attr_int(attrs, &n, max, "process.pid", s->pid);
	if (s->comm[0])
		otlp_attr_str(attrs, &n, max, "process.executable.name", s->comm);
	if (s->container_id[0])
		otlp_attr_str(attrs, &n, max, "container.id", s->container_id);
	if (s->pod[0])
		otlp_attr_str(attrs, &n, max, "k8s.pod.name", s->pod);
	if (s->k8s_namespace[0])
		otlp_attr_str(attrs, &n, max, "k8s.namespace.name", s->k8s_namespace);
	return n;
}

bool otlp_same_resource(const struct otlp_span *a, const struct otlp_span *b)
{
	return a->pid == b->pid && !strcmp(a->container_id, b->container_id) &&
	       !strcmp(a->comm, b->comm);
}

static struct json_object *resource_json(const struct otlp_span *s)
{
	struct otlp_attr attrs[OTLP_RESOURCE_ATTRS];

	return attr_array(attrs, otlp_resource_attrs(s, attrs));
}

/* One resourceSpans per observed process (pid), in order of appearance. */
struct json_object *otlp_encode(const struct otlp_span *spans, int n)
{
	struct json_object *root = json_object_new_object(), *rs = json_object_new_array();
	bool *done = calloc(n ? n : 1, sizeof(*done));

	for (int i = 0; done && i < n; i++) {
		struct json_object *r, *res, *scope, *ss, *list;

		if (done[i])
			continue;
		r = json_object_new_object();
		res = json_object_new_object();
		json_object_object_add(res, "attributes", resource_json(&spans[i]));
		json_object_object_add(r, "resource", res);
		scope = json_object_new_object();
		json_object_object_add(scope, "name", json_object_new_string("bpfscope"));
		json_object_object_add(scope, "version", json_object_new_string("0.1"));
		ss = json_object_new_object();
		json_object_object_add(ss, "scope", scope);
		list = json_object_new_array();
		for (int j = i; j < n; j++)
			if (!done[j] && otlp_same_resource(&spans[j], &spans[i])) {
				json_object_array_add(list, span_json(&spans[j]));
				done[j] = true;
			}
		json_object_object_add(ss, "spans", list);
		list = json_object_new_array();
		json_object_array_add(list, ss);
		json_object_object_add(r, "scopeSpans", list);
		json_object_array_add(rs, r);
	}
	free(done);
	json_object_object_add(root, "resourceSpans", rs);
	return root;
}

/* "http://127.0.0.1:4318/v1/traces" -> host "127.0.0.1:4318", path. */
static int parse_url(const char *url, char *host, size_t hlen, char *path, size_t plen)
{
	const char *h, *slash;
	struct endpoint ep;

	if (strncmp(url, "http://", 7))
		return -1;
	h = url + 7;
	slash = strchr(h, '/');
	snprintf(host, hlen, "%.*s", slash ? (int)(slash - h) : (int)strlen(h), h);
	snprintf(path, plen, "%s", slash ? slash : "/v1/traces");
	return endpoint_parse(host, &ep) || ep.addr.ss_family == AF_UNIX ? -1 : 0;
}

int otlp_parse_option(const char *arg, void *dest)
{
	char host[80], path[256];

	if (parse_url(arg, host, sizeof(host), path, sizeof(path))) {
		log_error(
		    "--otlp: expected http://ADDR:PORT[/PATH] with a numeric address, got '%s'",
		    arg);
		return -1;
	}
	*(const char **)dest = arg;
	return 0;
}

/* One POST; returns the HTTP status, or -1 when the exchange failed. */
static int http_post(const void *body, size_t len)
{
	struct timeval tv = {2, 0};
	char head[512], resp[256];
	int fd = socket(q.ep.addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0), status = -1;
	ssize_t got = 0, w;
	size_t sent = 0;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&q.ep.addr, q.ep.len))
		goto out;
	snprintf(head, sizeof(head),
		 "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\n"
		 "Content-Length: %zu\r\nConnection: close\r\n\r\n",
		 q.path, q.host, q.protobuf ? "application/x-protobuf" : "application/json", len);
	if (send(fd, head, strlen(head), MSG_NOSIGNAL) != (ssize_t)strlen(head))
		goto out;
	while (sent < len &&
	       (w = send(fd, (const char *)body + sent, len - sent, MSG_NOSIGNAL)) > 0)
		sent += (size_t)w;
	if (sent < len)
		goto out;
	while (got < (ssize_t)sizeof(resp) - 1 &&
	       (w = recv(fd, resp + got, sizeof(resp) - 1 - got, 0)) > 0)
		if (memchr(resp + (got += w) - w, '\n', (size_t)w))
			break;
	resp[got > 0 ? got : 0] = 0;
	if (sscanf(resp, "HTTP/1.%*d %d", &status) != 1)
		status = -1;
out:
	close(fd);
	return status;
}

static bool retryable(int status)
{
	return status < 0 || status == 429 || status >= 500;
}

/* Encodes and sends one batch with retries; counts the outcome. */
static void export_batch(const struct otlp_span *spans, int n)
{
	struct json_object *doc = q.protobuf ? NULL : otlp_encode(spans, n);
	uint8_t *pb = NULL;
	size_t len = 0;
	const void *body =
	    doc ? json_object_to_json_string_length(doc, JSON_C_TO_STRING_PLAIN, &len) : NULL;
	int status = -1, delay_ms = 100;

	if (q.protobuf && !otlp_encode_protobuf(spans, n, &pb, &len))
		body = pb;
	for (int attempt = 0; body && attempt <= OTLP_RETRIES; attempt++) {
		struct timespec ts = {delay_ms / 1000, (delay_ms % 1000) * 1000000L};

		status = http_post(body, len);
		if (!retryable(status) || attempt == OTLP_RETRIES)
			break;
		pthread_mutex_lock(&q.lock);
		q.stats.retries++;
		pthread_mutex_unlock(&q.lock);
		nanosleep(&ts, NULL);
		delay_ms *= 2;
	}
	json_object_put(doc);
	free(pb);
	pthread_mutex_lock(&q.lock);
	q.stats.batches++;
	if (status >= 200 && status < 300)
		q.stats.exported += n;
	else
		q.stats.dropped_export += n;
	pthread_mutex_unlock(&q.lock);
	if (status < 0)
		log_warn("--otlp: %d spans dropped: no answer from %s", n, q.host);
	else if (status < 200 || status >= 300)
		log_warn("--otlp: %d spans dropped: HTTP %d from %s", n, status, q.host);
}

static void wait_for_spans(void)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += OTLP_LINGER_MS * 1000000L;
	until.tv_sec += until.tv_nsec / 1000000000L;
	until.tv_nsec %= 1000000000L;
	while (!q.stopping && q.count < OTLP_BATCH)
		if (pthread_cond_timedwait(&q.wake, &q.lock, &until) == ETIMEDOUT)
			break;
}

static void *exporter(void *arg)
{
	struct otlp_span *batch = malloc(OTLP_BATCH * sizeof(*batch));
	int n;

	(void)arg;
	pthread_mutex_lock(&q.lock);
	while (batch) {
		if (!q.count && q.stopping)
			break;
		wait_for_spans();
		for (n = 0; n < OTLP_BATCH && q.count; n++, q.count--) {
			batch[n] = q.ring[q.head];
			q.head = (q.head + 1) % OTLP_QUEUE;
		}
		q.busy = n > 0;
		pthread_mutex_unlock(&q.lock);
		if (n)
			export_batch(batch, n);
		pthread_mutex_lock(&q.lock);
		q.busy = false;
		if (!q.count)
			pthread_cond_broadcast(&q.drained);
	}
	pthread_cond_broadcast(&q.drained);
	pthread_mutex_unlock(&q.lock);
	free(batch);
	return NULL;
}

int otlp_start(const char *url, bool protobuf)
{
	q.protobuf = protobuf;
	if (parse_url(url, q.host, sizeof(q.host), q.path, sizeof(q.path)) ||
	    endpoint_parse(q.host, &q.ep)) {
		log_error("--otlp: bad URL '%s'", url);
		return -EINVAL;
	}
	q.ring = calloc(OTLP_QUEUE, sizeof(*q.ring));
	if (!q.ring)
		return -ENOMEM;
	q.head = q.count = 0;
	q.stopping = false;
	memset(&q.stats, 0, sizeof(q.stats));
	if (pthread_create(&q.thread, NULL, exporter, NULL)) {
		free(q.ring);
		q.ring = NULL;
		log_error("--otlp: cannot start the exporter thread");
		return -EAGAIN;
	}
	q.running = true;
	return 0;
}

bool otlp_submit(const struct otlp_span *span)
{
	bool ok;

	if (!q.running)
		return false;
	pthread_mutex_lock(&q.lock);
	ok = q.count < OTLP_QUEUE;
	if (ok) {
		q.ring[(q.head + q.count++) % OTLP_QUEUE] = *span;
		q.stats.queued++;
		if (q.count >= OTLP_BATCH)
			pthread_cond_signal(&q.wake);
	} else {
		q.stats.dropped_queue++;
	}
	pthread_mutex_unlock(&q.lock);
	return ok;
}

void otlp_stop(double timeout_s)
{
	struct timespec until;

	if (!q.running)
		return;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += (time_t)timeout_s;
	pthread_mutex_lock(&q.lock);
	pthread_cond_signal(&q.wake);
	while (q.count || q.busy)
		if (pthread_cond_timedwait(&q.drained, &q.lock, &until) == ETIMEDOUT)
			break;
	/* what could not be sent in time is lost, and counted */
	q.stats.dropped_queue += q.count;
	q.count = 0;
	q.stopping = true;
	pthread_cond_signal(&q.wake);
	pthread_mutex_unlock(&q.lock);
	pthread_join(q.thread, NULL);
	free(q.ring);
	q.ring = NULL;
	q.running = false;
}

bool otlp_running(void)
{
	return q.running;
}

void otlp_get_stats(struct otlp_stats *out)
{
	pthread_mutex_lock(&q.lock);
	*out = q.stats;
	out->depth = q.count;
	pthread_mutex_unlock(&q.lock);
}
