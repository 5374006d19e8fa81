/* bpfscope gethostlatency: latency of host name lookups through libc
 * (getaddrinfo, gethostbyname, gethostbyname2), per call. */
#include <limits.h>
#include <stdio.h>

#include "bpf/gethostlatency.h"
#include "core/clock.h"
#include "core/cmd.h"
#include "core/container.h"
#include "core/evtool.h"
#include "core/libpath.h"
#include "core/log.h"
#include "core/output.h"
#include "core/uprobe.h"
#include "gethostlatency.skel.h"

static const char *lib = "libc";

static const struct opt_def options[] = {
	{ "lib", 'l', OPT_STRING, &lib, "LIB", "libc to probe: path or name (default libc)" },
	{ 0 },
};

static const struct cmd_spec spec = {
	.name = "gethostlatency",
	.summary = "latency of host name lookups (getaddrinfo, gethostbyname*) in libc",
	.details = "With -p, the libc mapped by that process is probed (through /proc/PID/root,\n"
		   "so processes in containers work).",
	.opts = options,
	.common = COMMON_TARGET | COMMON_K8S | COMMON_DURATION | COMMON_OUTPUT,
	.max_args = 0,
};

static const struct out_col columns[] = {
	{ "time", "TIME", -15 },     { "pid", "PID", 7 },	{ "comm", "COMM", -16 },
	{ "func", "FUNC", -15 },     { "ret", "RET", 4 },	{ "latency_ms", "LAT(ms)", 10 },
	{ "host", "HOST", 0 },
};

static int on_event(void *ctx, const void *data, size_t size)
{
	static const char *const funcs[] = { "getaddrinfo", "gethostbyname", "gethostbyname2" };
	const struct gethost_event *e = data;
	struct evtool_ctx *c = ctx;

	if (size < sizeof(*e))
		return 0;
	out__row_begin(c->out);
	out__time(c->out, clock_mono_to_wall(e->ts_ns));
	out__u64(c->out, e->pid);
	out__str(c->out, e->comm);
	out__str(c->out, e->func < 3 ? funcs[e->func] : "?");
	out__i64(c->out, e->ret);
	out__double(c->out, e->latency_ns / 1e6, 3);
	if (c->opts->k8s)
		k8s_out(c->out, e->cgroup_id, e->pid);
	out__str(c->out, e->host);
	out__row_end(c->out);
	return 0;
}

struct target {
	struct gethostlatency_bpf *skel;
	char path[PATH_MAX];
	pid_t pid;
};

static int attach(void *user)
{
	struct target *t = user;
	struct gethostlatency_bpf *s = t->skel;
	const struct uprobe_spec specs[] = {
		{ s->progs.getaddrinfo_entry, &s->links.getaddrinfo_entry, "getaddrinfo", false },
		{ s->progs.getaddrinfo_return, &s->links.getaddrinfo_return, "getaddrinfo", true },
		{ s->progs.gethostbyname_entry, &s->links.gethostbyname_entry, "gethostbyname", false,
		  true },
		{ s->progs.gethostbyname_return, &s->links.gethostbyname_return, "gethostbyname", true,
		  true },
		{ s->progs.gethostbyname2_entry, &s->links.gethostbyname2_entry, "gethostbyname2",
		  false, true },
		{ s->progs.gethostbyname2_return, &s->links.gethostbyname2_return, "gethostbyname2",
		  true, true },
	};
	int n = uprobe_attach_all(specs, sizeof(specs) / sizeof(specs[0]), t->path, t->pid);

	return n < 0 ? n : 0;
}

static int run(const struct common_opts *opts, int argc, char **argv)
{
	struct target t = { gethostlatency_bpf__open(), "", opts->pid ? opts->pid : -1 };
	struct evtool tool = { columns, sizeof(columns) / sizeof(columns[0]), on_event, &t, attach };
	int rc;

	(void)argc;
	(void)argv;
	if (!t.skel) {
		log_error("cannot open BPF object");
		return 1;
	}
	if (libpath_resolve(lib, opts->pid, t.path, sizeof(t.path))) {
		log_error("--lib: cannot find '%s'%s", lib, opts->pid ? " in that process" : "");
		gethostlatency_bpf__destroy(t.skel);
		return 1;
	}
	log_info("probing %s", t.path);
	uprobe_manual(t.skel->obj);
	rc = evtool_run(&tool, t.skel->skeleton, opts);
	gethostlatency_bpf__destroy(t.skel);
	return rc;
}

static const struct command cmd_gethostlatency = { &spec, run, true };
REGISTER_COMMAND(cmd_gethostlatency);
