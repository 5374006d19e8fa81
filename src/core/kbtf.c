#include "core/kbtf.h"

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"

int kbtf_check_file(const char *path, char *why, size_t len)
{
	struct btf *btf;
	int err;

	if (access(path, R_OK)) {
		err = -errno;
		snprintf(why, len, "cannot read %s: %s", path, strerror(-err));
		return err;
	}
	btf = btf__parse(path, NULL);
	if (!btf) {
		err = -errno;
		snprintf(why, len, "%s is not a BTF file (raw BTF or ELF with .BTF)", path);
		return err ? err : -EINVAL;
	}
	err = btf__find_by_name_kind(btf, "task_struct", BTF_KIND_STRUCT) > 0 ? 0 : -EINVAL;
	if (err)
		snprintf(why, len, "%s has no struct task_struct: not a kernel's BTF", path);
	btf__free(btf);
	return err;
}

int kbtf_parse_option(const char *arg, void *dest)
{
	char why[512];

	if (kbtf_check_file(arg, why, sizeof(why))) {
		log_error("--btf: %s", why);
		return -1;
	}
	*(const char **)dest = arg;
	return 0;
}
