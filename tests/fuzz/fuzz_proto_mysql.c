/* libFuzzer target: the MySQL protocol parser on arbitrary byte streams,
 * cut into chunks of both directions with bytes missing (as a truncated
 * capture delivers them), plus detection and SQL redaction of the same
 * bytes. Input: repeated [control byte][length byte][bytes]; control bit 0
 * is the direction, bits 1-7 the bytes the capture missed after the chunk. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/proto_mysql.h"
#include "core/sqlnorm.h"

static void check(void *ctx, const struct wire_op *op)
{
	(void)ctx;
	if (op->end_ns < op->start_ns || !memchr(op->text, 0, sizeof(op->text)) ||
	    !memchr(op->status, 0, sizeof(op->status)) || !memchr(op->cmd, 0, sizeof(op->cmd)) ||
	    op->rows < -1 || op->proto != WIRE_PROTO_MYSQL)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mysql_conn *c = mysql_conn__new(size > 0 && (data[0] & 1));
	char text[256], out[64];
	size_t pos = 0;
	uint64_t ts = 0;
	bool fresh;

	if (!c)
		return 0;
	mysql_detect(data, size, size, size & 1, &fresh);
	while (pos + 2 <= size) {
		uint8_t control = data[pos], len = data[pos + 1];
		size_t n = len < size - pos - 2 ? len : size - pos - 2;
		struct wire_chunk ch = {control & 1 ? WIRE_RESP : WIRE_REQ, data + pos + 2, n,
					n + (control >> 1), ts += 10};

		mysql_conn__feed(c, &ch, check, NULL);
		pos += 2 + n;
	}
	mysql_conn__flush(c, check, NULL);
	mysql_conn__free(c);
	memcpy(text, data, size < sizeof(text) - 1 ? size : sizeof(text) - 1);
	text[size < sizeof(text) - 1 ? size : sizeof(text) - 1] = 0;
	sql_redact(text, out, sizeof(out));
	if (strlen(out) >= sizeof(out))
		abort();
	sql_normalize(text, out, sizeof(out));
	if (strlen(out) >= sizeof(out))
		abort();
	return 0;
}
