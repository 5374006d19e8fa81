/* libFuzzer target: tpformat_parse on arbitrary text (format files come from
 * the kernel, but a parser that trusts its input is a crash waiting for a
 * new kernel). Checks the invariants a caller relies on. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/tpformat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct tp_format f;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (tpformat_parse(text, &f) == 0) {
		if (f.nfields < 0 || f.nfields > TPFORMAT_MAX_FIELDS || f.id < 0)
			abort();
		for (int i = 0; i < f.nfields; i++)
			if (!f.fields[i].name[0] || !f.fields[i].type[0] ||
			    tpformat_field(&f, f.fields[i].name) == NULL)
				abort();
	}
	free(text);
	return 0;
}
