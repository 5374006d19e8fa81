/* See dropreason.h. */
#include "core/dropreason.h"

#include <bpf/btf.h>
#include <stdio.h>
#include <string.h>

#include "bpf/dropreason.h"

const char *drop_reason_name(const struct btf *btf, uint32_t reason, char *buf, size_t len)
{
	int id = btf ? btf__find_by_name_kind(btf, "skb_drop_reason", BTF_KIND_ENUM) : -1;
	const struct btf_type *t = id > 0 ? btf__type_by_id(btf, id) : NULL;
	const struct btf_enum *v = t ? btf_enum(t) : NULL;

	if (reason == DROP_REASON_UNKNOWN) {
		snprintf(buf, len, "unknown");
		return buf;
	}
	for (int i = 0; t && i < btf_vlen(t); i++, v++)
		if ((uint32_t)v->val == reason) {
			const char *name = btf__name_by_offset(btf, v->name_off);

			if (!strncmp(name, "SKB_DROP_REASON_", 16))
				name += 16;
			snprintf(buf, len, "%s", name);
			return buf;
		}
	snprintf(buf, len, "%u", reason);
	return buf;
}
