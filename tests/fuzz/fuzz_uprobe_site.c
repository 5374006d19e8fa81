/* libFuzzer target: the x86-64 length decoder behind uprobe_site_classify.
 * It reads code bytes from binaries; it must never read past the buffer
 * (ASan checks) or claim a length longer than what it was given. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/uprobe_site.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct uprobe_site site;
	uint8_t *code = malloc(size ? size : 1); /* exact size: overreads are caught */

	if (!code)
		return 0;
	memcpy(code, data, size);
	uprobe_site_classify(code, size, &site);
	if (site.insn_len > size || site.insn_len > 15 ||
	    !memchr(site.mnemonic, 0, sizeof(site.mnemonic)))
		abort();
	if (site.kind == SITE_UNKNOWN && site.insn_len == 0 && strcmp(site.mnemonic, "unknown"))
		abort();
	free(code);
	return 0;
}
