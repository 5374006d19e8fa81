/* libFuzzer target: USDT argument specs (usdt_args_parse). The strings come
 * from the traced binary, which an attacker may have built. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/elfnotes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct usdt_arg args[USDT_MAX_ARGS];
	char *spec = malloc(size + 1);
	int n;

	if (!spec)
		return 0;
	memcpy(spec, data, size);
	spec[size] = '\0';
	n = usdt_args_parse(spec, args, USDT_MAX_ARGS);
	if (n > USDT_MAX_ARGS)
		abort();
	for (int i = 0; i < n; i++)
		if ((args[i].size != 1 && args[i].size != 2 && args[i].size != 4 &&
		     args[i].size != 8) ||
		    (args[i].kind != USDT_ARG_CONST && !args[i].reg[0]))
			abort();
	free(spec);
	return 0;
}
