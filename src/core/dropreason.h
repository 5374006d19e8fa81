/* Names of skb drop reasons ("NO_SOCKET" for SKB_DROP_REASON_NO_SOCKET),
 * taken from the running kernel's own enum in its BTF, so new reasons need
 * no update here. */
#ifndef BPFSCOPE_CORE_DROPREASON_H
#define BPFSCOPE_CORE_DROPREASON_H

#include <stddef.h>
#include <stdint.h>

struct btf;

/* The name of reason in btf's enum skb_drop_reason (btf may be NULL);
 * "unknown" for DROP_REASON_UNKNOWN, the number when the enum lacks it. */
const char *drop_reason_name(const struct btf *btf, uint32_t reason, char *buf, size_t len);

#endif
