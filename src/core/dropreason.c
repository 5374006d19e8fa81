/* See dropreason.h. */
#include "core/dropreason.h"

#include <bpf/btf.h>
#include <stdio.h>
#include <string.h>

#include "bpf/dropreason.h"

bool drop_reasons__open(struct drop_reasons *r)
{
	int id;

	r->btf = btf__load_vmlinux_btf();
	r->reasons = NULL;
	if (!r->btf)
		return false;
	id = btf__find_by_name_kind(r->btf, "skb_drop_reason", BTF_KIND_ENUM);
	if (id > 0)
		r->reasons = btf__type_by_id(r->btf, id);
	return r->reasons != NULL;
}

void drop_reasons__close(struct drop_reasons *r)
{
	btf__free(r->btf);
	r->btf = NULL;
	r->reasons = NULL;
}

const char *drop_reason_name(const struct drop_reasons *r, uint32_t reason, char *buf, size_t len)
{
	const struct btf_type *t = r->reasons;
	const struct btf_enum *v = t ? btf_enum(t) : NULL;

	if (reason == DROP_REASON_UNKNOWN) {
		snprintf(buf, len, "unknown");
		return buf;
	}
	for (int i = 0; t && i < btf_vlen(t); i++, v++)
		if ((uint32_t)v->val == reason) {
			const char *name = btf__name_by_offset(r->btf, v->name_off);

			if (!strncmp(name, "SKB_DROP_REASON_", 16))
				name += 16;
			snprintf(buf, len, "%s", name);
			return buf;
		}
	snprintf(buf, len, "%u", reason);
	return buf;
}
