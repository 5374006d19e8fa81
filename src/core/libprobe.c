/* See libprobe.h. */
#include "core/libprobe.h"

#include <bpf/libbpf.h>
#include <limits.h>

#include "core/libpath.h"
#include "core/log.h"

struct target {
	const struct libprobe *lp;
	char path[PATH_MAX];
	pid_t pid; /* -1: every process */
};

/* evtool attach hook: after load, before the "tracing" line. */
static int attach(void *user)
{
	const struct target *t = user;
	int n = uprobe_attach_all(t->lp->specs, t->lp->nspecs, t->path, t->pid);

	return n < 0 ? n : 0;
}

int libprobe_run(const struct libprobe *lp, const struct evtool *tool,
		 struct bpf_object_skeleton *skel, const struct common_opts *opts)
{
	struct target t = {lp, "", opts->pid ? opts->pid : -1};
	struct evtool run = *tool;

	if (libpath_resolve(lp->lib, opts->pid, t.path, sizeof(t.path))) {
		log_error("--lib: cannot find '%s'%s", lp->lib,
			  opts->pid ? " in that process" : "");
		return 1;
	}
	if (lp->warning)
		log_warn("%s", lp->warning);
	log_info("probing %s", t.path);
	uprobe_manual(*skel->obj);
	run.user = &t;
	run.attach = attach;
	return evtool_run(&run, skel, opts);
}
