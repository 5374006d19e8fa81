#include "core/uprobe.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <string.h>

#include "core/log.h"

void uprobe_manual(struct bpf_object *obj)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj)
		bpf_program__set_autoattach(prog, false);
}

int uprobe_attach_all(const struct uprobe_spec *specs, int n, const char *binary, pid_t pid)
{
	int attached = 0;

	for (int i = 0; i < n; i++) {
		LIBBPF_OPTS(bpf_uprobe_opts, opts, .func_name = specs[i].func,
			    .retprobe = specs[i].retprobe);
		struct bpf_link *link;

		link = bpf_program__attach_uprobe_opts(specs[i].prog, pid, binary, 0, &opts);
		if (!link) {
			int err = -errno;

			if (specs[i].optional) {
				log_info("%s: no %s (%s), skipped", binary, specs[i].func, strerror(-err));
				continue;
			}
			log_error("cannot probe %s in %s: %s", specs[i].func, binary, strerror(-err));
			return err;
		}
		*specs[i].link = link;
		attached++;
	}
	return attached;
}
