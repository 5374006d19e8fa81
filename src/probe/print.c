#include "probe/print.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

static void format_sockaddr(const unsigned char *p, char *buf, size_t len)
{
	char addr[INET6_ADDRSTRLEN];
	uint16_t family, port;

	memcpy(&family, p, 2);
	memcpy(&port, p + 2, 2);
	if (family == AF_INET) {
		inet_ntop(AF_INET, p + 4, addr, sizeof(addr));
		snprintf(buf, len, "%s:%u", addr, ntohs(port));
	} else if (family == AF_INET6) {
		inet_ntop(AF_INET6, p + 8, addr, sizeof(addr));
		snprintf(buf, len, "[%s]:%u", addr, ntohs(port));
	} else {
		snprintf(buf, len, "(family %u)", family);
	}
}

void probe_field_text(const struct field *f, const void *base, char *buf, size_t len)
{
	const unsigned char *p = (const unsigned char *)base + f->off;
	uint64_t v = 0;

	if (f->size <= 8)
		memcpy(&v, p, f->size);
	switch (f->fmt) {
	case FMT_INT: snprintf(buf, len, "%" PRId64, (int64_t)v); break;
	case FMT_UINT: snprintf(buf, len, "%" PRIu64, v); break;
	case FMT_HEX: snprintf(buf, len, "0x%" PRIx64, v); break;
	case FMT_BOOL: snprintf(buf, len, "%s", v ? "true" : "false"); break;
	case FMT_CHAR: snprintf(buf, len, "'%c'", (char)v >= 32 && (char)v < 127 ? (char)v : '?'); break;
	case FMT_STR:
	case FMT_COMM: snprintf(buf, len, "%.*s", (int)strnlen((const char *)p, f->size), p); break;
	case FMT_IPV4: inet_ntop(AF_INET, p, buf, (socklen_t)len); break;
	case FMT_IPV6: inet_ntop(AF_INET6, p, buf, (socklen_t)len); break;
	case FMT_SOCKADDR: format_sockaddr(p, buf, len); break;
	}
}

struct json_object *probe_field_json(const struct field *f, const void *base)
{
	const unsigned char *p = (const unsigned char *)base + f->off;
	char buf[512];
	uint64_t v = 0;

	if (f->size <= 8)
		memcpy(&v, p, f->size);
	switch (f->fmt) {
	case FMT_INT: return json_object_new_int64((int64_t)v);
	case FMT_UINT: return json_object_new_uint64(v);
	case FMT_BOOL: return json_object_new_boolean(v != 0);
	case FMT_STR:
	case FMT_COMM:
		return json_object_new_string_len((const char *)p, (int)strnlen((const char *)p, f->size));
	default:
		probe_field_text(f, base, buf, sizeof(buf));
		return json_object_new_string(buf);
	}
}
