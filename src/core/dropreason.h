/* Names of skb drop reasons ("NO_SOCKET" for SKB_DROP_REASON_NO_SOCKET),
 * taken from the running kernel's own enum in its BTF, so new reasons need
 * no update here. The enum is looked up once (a search through all of the
 * kernel's types), not per event. */
#ifndef BPFSCOPE_CORE_DROPREASON_H
#define BPFSCOPE_CORE_DROPREASON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct btf;
struct btf_type;

struct drop_reasons {
	struct btf *btf;                /* the kernel's BTF, NULL when unreadable */
	const struct btf_type *reasons; /* enum skb_drop_reason, NULL before 5.17 */
};

/* Loads the kernel's BTF and finds the enum; false when there is no enum
 * (names are then numbers, and DROP_REASON_UNKNOWN is "unknown"). */
bool drop_reasons__open(struct drop_reasons *r);
void drop_reasons__close(struct drop_reasons *r);
/* The name of reason; "unknown" for DROP_REASON_UNKNOWN, the number when the
 * enum lacks it. */
const char *drop_reason_name(const struct drop_reasons *r, uint32_t reason, char *buf, size_t len);

#endif
