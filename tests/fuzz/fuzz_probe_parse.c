/* libFuzzer target: the probe language (user input on the command line and
 * in -f files). Parses, and when it parses, compiles against a target without
 * types and against a tracepoint format, checking the invariants the BPF side
 * relies on: operation count, record and key sizes within bounds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probe/ast.h"
#include "probe/compile.h"

static void check(const struct compiled_probe *cp)
{
	if (cp->cfg.nops > PROBE_MAX_OPS || cp->cfg.record_size > PROBE_RECORD ||
	    cp->cfg.key_size > PROBE_KEY || cp->nfields > PROBE_MAX_FIELDS ||
	    cp->nkeys > PROBE_MAX_FIELDS)
		abort();
	for (int i = 0; i < cp->nfields; i++)
		if (cp->fields[i].off + cp->fields[i].size > PROBE_RECORD)
			abort();
	for (int i = 0; i < cp->nkeys; i++)
		if (cp->keys[i].off + cp->keys[i].size > PROBE_KEY)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tp_format tp = { .nfields = 2, .fields = {
		{ .name = "filename", .type = "const char *", .offset = 16, .size = 8, .is_string = true },
		{ .name = "flags", .type = "int", .offset = 24, .size = 8, .is_signed = true } } };
	char *text = malloc(size + 1), err[1024];
	struct compiled_probe *cp = malloc(sizeof(*cp));
	struct script *s;

	if (!text || !cp)
		goto out;
	memcpy(text, data, size);
	text[size] = 0;
	s = probe_parse(text, err, sizeof(err));
	for (int i = 0; s && i < s->nprobes; i++) {
		struct probe_target t = { .kind = s->probes[i]->kind };

		if (t.kind == TARGET_TRACEPOINT)
			t.tp = &tp;
		if (!probe_compile(s->probes[i], &t, 64, cp, err, sizeof(err)))
			check(cp);
	}
	script_free(s);
out:
	free(cp);
	free(text);
	return 0;
}
