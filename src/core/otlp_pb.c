/* OTLP protobuf encoding (--otlp-protobuf): ExportTraceServiceRequest in
 * the protobuf wire format, written by hand (no generated code, no
 * library): varints, length-delimited fields, fixed64 times. Field numbers
 * are those of opentelemetry-proto (collector/trace/v1, trace/v1,
 * common/v1, resource/v1). Each nested message is encoded into its own
 * buffer first, so its length is known when the parent writes it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/otlp.h"

struct pb {
	uint8_t *buf;
	size_t len, cap;
	bool failed;
};

static void put(struct pb *b, const void *data, size_t n)
{
	if (b->failed || !n)
		return;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		uint8_t *bigger;

		while (cap < b->len + n)
			cap *= 2;
		if (!(bigger = realloc(b->buf, cap))) {
			b->failed = true;
			return;
		}
		b->buf = bigger;
		b->cap = cap;
	}
	memcpy(b->buf + b->len, data, n);
	b->len += n;
}

static void varint(struct pb *b, uint64_t v)
{
	uint8_t out[10];
	size_t n = 0;

	do {
		out[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v);
	put(b, out, n);
}

enum { WIRE_VARINT = 0, WIRE_FIXED64 = 1, WIRE_LEN = 2 };

static void tag(struct pb *b, unsigned field, unsigned wire)
{
	varint(b, (uint64_t)field << 3 | wire);
}

static void bytes_field(struct pb *b, unsigned field, const void *data, size_t n)
{
	tag(b, field, WIRE_LEN);
	varint(b, n);
	put(b, data, n);
}

static void string_field(struct pb *b, unsigned field, const char *s)
{
	bytes_field(b, field, s, strlen(s));
}

static void fixed64_field(struct pb *b, unsigned field, uint64_t v)
{
	uint8_t le[8];

	for (int i = 0; i < 8; i++)
		le[i] = (uint8_t)(v >> (8 * i));
	tag(b, field, WIRE_FIXED64);
	put(b, le, 8);
}

/* Appends sub as field `field` of b and frees it. */
static void message_field(struct pb *b, unsigned field, struct pb *sub)
{
	if (sub->failed)
		b->failed = true;
	bytes_field(b, field, sub->buf, sub->len);
	free(sub->buf);
	*sub = (struct pb){0};
}

/* KeyValue { key = 1; AnyValue value = 2 }, AnyValue { string 1; bool 2;
 * int64 3; double 4 } */
static void key_value(struct pb *b, unsigned field, const struct otlp_attr *a)
{
	struct pb kv = {0}, v = {0};

	string_field(&kv, 1, a->key);
	switch (a->kind) {
	case OTLP_STR: string_field(&v, 1, a->str); break;
	case OTLP_BOOL:
		tag(&v, 2, WIRE_VARINT);
		varint(&v, a->i != 0);
		break;
	case OTLP_INT:
		tag(&v, 3, WIRE_VARINT);
		varint(&v, (uint64_t)a->i);
		break;
	case OTLP_DOUBLE: {
		uint64_t bits;

		memcpy(&bits, &a->d, 8);
		fixed64_field(&v, 4, bits);
		break;
	}
	}
	message_field(&kv, 2, &v);
	message_field(b, field, &kv);
}

/* Span: trace_id 1, span_id 2, parent_span_id 4, name 5, kind 6, start 7,
 * end 8, attributes 9, events 11, status 15; Event: time 1, name 2,
 * attributes 3; Status: code 3. */
static void span(struct pb *b, const struct otlp_span *s)
{
	static const uint8_t zero[8];
	struct pb sp = {0}, sub = {0};

	bytes_field(&sp, 1, s->trace_id, 16);
	bytes_field(&sp, 2, s->span_id, 8);
	if (memcmp(s->parent_span_id, zero, 8))
		bytes_field(&sp, 4, s->parent_span_id, 8);
	string_field(&sp, 5, s->name);
	tag(&sp, 6, WIRE_VARINT);
	varint(&sp, s->kind ? s->kind : OTLP_KIND_INTERNAL);
	fixed64_field(&sp, 7, s->start_unix_ns);
	fixed64_field(&sp, 8, s->end_unix_ns);
	for (int i = 0; i < s->nattrs; i++)
		key_value(&sp, 9, &s->attrs[i]);
	for (int i = 0; i < s->nevents; i++) {
		fixed64_field(&sub, 1, s->events[i].time_unix_ns);
		string_field(&sub, 2, s->events[i].name);
		for (int a = 0; a < s->events[i].nattrs; a++)
			key_value(&sub, 3, &s->events[i].attrs[a]);
		message_field(&sp, 11, &sub);
	}
	if (s->error) {
		tag(&sub, 3, WIRE_VARINT);
		varint(&sub, 2); /* STATUS_CODE_ERROR */
		message_field(&sp, 15, &sub);
	}
	message_field(b, 2, &sp);
}

/* ResourceSpans { resource 1 { attributes 1 }, scope_spans 2 { scope 1 {
 * name 1, version 2 }, spans 2 } } for the spans of first's process. */
static void resource_spans(struct pb *b, const struct otlp_span *spans, int n, int first,
			   bool *done)
{
	struct otlp_attr attrs[OTLP_RESOURCE_ATTRS];
	struct pb rs = {0}, res = {0}, ss = {0}, scope = {0};
	int nattrs = otlp_resource_attrs(&spans[first], attrs);

	for (int i = 0; i < nattrs; i++)
		key_value(&res, 1, &attrs[i]);
	message_field(&rs, 1, &res);
	string_field(&scope, 1, "bpfscope");
	string_field(&scope, 2, "0.1");
	message_field(&ss, 1, &scope);
	for (int j = first; j < n; j++)
		if (!done[j] && otlp_same_resource(&spans[j], &spans[first])) {
			span(&ss, &spans[j]);
			done[j] = true;
		}
	message_field(&rs, 2, &ss);
	message_field(b, 1, &rs);
}

int otlp_encode_protobuf(const struct otlp_span *spans, int n, uint8_t **out, size_t *len)
{
	struct pb req = {0};
	bool *done = calloc(n ? n : 1, sizeof(*done));

	if (!done)
		return -ENOMEM;
	for (int i = 0; i < n; i++)
		if (!done[i])
			resource_spans(&req, spans, n, i, done);
	free(done);
	if (req.failed) {
		free(req.buf);
		return -ENOMEM;
	}
	*out = req.buf;
	*len = req.len;
	return 0;
}
