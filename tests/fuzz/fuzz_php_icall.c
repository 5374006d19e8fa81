/* libFuzzer target: the search for internal-function call sites in the
 * Zend VM's code (src/tools/php_icall.c over core/uprobe_site's instruction
 * lengths). The input is machine code (seeds: DO_ICALL and DO_FCALL
 * handlers of Debian's php8.2); its first bytes also name two "labels".
 * Any bytes must decode or be refused, never crash, and every site found
 * must lie inside the code. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tools/php_icall.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct php_icall_site s[PHP_ICALL_MAX];
	uint64_t base = 0x400000, labels[2] = {base, base};
	char why[160];
	int n;

	if (size >= 4) {
		uint16_t a, b;

		memcpy(&a, data, 2);
		memcpy(&b, data + 2, 2);
		labels[0] += a % size;
		labels[1] += b;
	}
	n = php_icall_find(data, size, base, 0x1e8, labels, 2, s, PHP_ICALL_MAX, why, sizeof(why));
	if (n > PHP_ICALL_MAX)
		abort();
	for (int i = 0; i < n; i++)
		if (s[i].call < base || s[i].call >= base + size || s[i].ret < base ||
		    s[i].ret >= base + size || s[i].reg > 15)
			abort();
	return 0;
}
