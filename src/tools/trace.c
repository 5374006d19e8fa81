/* bpfscope trace: user probes (uprobe, uretprobe, USDT) and kernel
 * tracepoints in the probe language (docs/probe-language.md): arguments and
 * struct fields by name, predicates, entry/return pairing and aggregation in
 * the kernel, sampling and duty cycling. The story: parse -> resolve and
 * compile each probe -> load the generic program -> write each probe's
 * operations into the probes map -> attach with the probe id as cookie ->
 * print events, aggregations and per-probe accounting. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <json-c/json.h>
#include <signal.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/cmd.h"
#include "core/evloop.h"
#include "core/follow.h"
#include "core/log.h"
#include "core/procstat.h"
#include "core/session.h"
#include "crash/recorder.h"
#include "probe/ast.h"
#include "probe/compile.h"
#include "probe/resolve.h"
#include "probe/trace_run.h"
#include "probe.skel.h"

static const char *script_file, *debug_dir, *types_path, *duty_spec;
static int sample_every = 1, strsize = 64;
static bool follow, force_site, no_relocate, crash;
static char *trigger_args[TRIGGER_MAX];
static int ntrigger_args;

static int parse_trigger(const char *arg, void *dest)
{
	(void)dest;
	if (ntrigger_args >= TRIGGER_MAX) {
		log_error("--trigger: at most %d triggers", TRIGGER_MAX);
		return -1;
	}
	trigger_args[ntrigger_args] = strdup(arg);
	return trigger_args[ntrigger_args++] ? 0 : -1;
}

static const struct opt_def options[] = {
	{ "file", 'f', OPT_STRING, &script_file, "FILE", "read probes from FILE ('#' comments)" },
	{ "sample", 0, OPT_INT, &sample_every, "N", "keep 1 of every N hits, decided in the kernel "
	  "before any argument is read", 1, 1000000000 },
	{ "duty", 0, OPT_STRING, &duty_spec, "ON/PERIOD", "attach only ON out of every PERIOD "
	  "seconds (e.g. 0.1/1): even the trap cost is paid part of the time" },
	{ "strsize", 0, OPT_INT, &strsize, "BYTES", "bytes kept of each string (default 64)", 1, 256 },
	{ "debug-dir", 0, OPT_STRING, &debug_dir, "DIR", "also look for debug files in DIR" },
	{ "types", 0, OPT_STRING, &types_path, "FILE", "type pack from 'bpfscope types build'" },
	{ "trigger", 0, OPT_CUSTOM, NULL, "CLAUSE", "'rate(p0) > 6000 -> capture(p1, 10) rearm < "
	  "5000': p1 runs only for 10 events each time p0's calls/s exceed 6000 (repeatable)",
	  0, 0, parse_trigger },
	{ "no-relocate", 0, OPT_FLAG, &no_relocate, NULL, "keep entry probes on a single-stepped "
	  "first instruction (default: move them to the first emulated one, -v says where)" },
	{ "force", 0, OPT_FLAG, &force_site, NULL, "probe sites the kernel mis-emulates (AVX "
	  "instructions it skips): changes what the program computes" },
	{ "follow", 0, OPT_FLAG, &follow, NULL, "with -p: when the process exits, trace the next process "
	  "running the same executable (restarts, redeploys)" },
	{ "crash", 0, OPT_FLAG, &crash, NULL, "also keep each thread's last 64 events and print them "
	  "with the stacks when it crashes (see 'bpfscope crash', docs/crash.md)" },
	{ 0 },
};

static const struct cmd_spec spec = {
	.name = "trace",
	.summary = "trace user functions, USDT probes and tracepoints with arguments by name",
	.args = "PROBE...",
	.details = "PROBE is u:BINARY:FUNC, r:BINARY:FUNC (return; has retval, duration and the\n"
		   "entry arguments), usdt:BINARY:[PROVIDER:]NAME or t:CATEGORY:NAME, optionally\n"
		   "followed by 'if CONDITION' and '{ ACTION }' where ACTION is print(...), count(),\n"
		   "hist(x), lhist(x, min, max, step) or sum(x), aggregations optionally 'by (keys)'.\n"
		   "Example: bpfscope trace 'r:libmemcached:memcached_mget { hist(duration) }'\n"
		   "See docs/probe-language.md.",
	.opts = options,
	.common = COMMON_ALL | COMMON_SERVE,
	.max_args = -1,
};

static int parse_duty(double *on, double *period)
{
	char *slash = duty_spec ? strchr(duty_spec, '/') : NULL;

	*on = *period = 0;
	if (!duty_spec)
		return 0;
	if (!slash || parse_double(slash + 1, 0.01, 3600, period)) {
		log_error("--duty: expected ON/PERIOD in seconds, e.g. 0.1/1, got '%s'", duty_spec);
		return -1;
	}
	*slash = 0;
	if (parse_double(duty_spec, 0.001, *period, on) || *on >= *period) {
		*slash = '/';
		log_error("--duty: ON must be a number of seconds below PERIOD in '%s'", duty_spec);
		return -1;
	}
	*slash = '/';
	return 0;
}

/* One traced incarnation of the target: resolve, attach, run, report. */
static int trace_once(const struct common_opts *opts, const char *text)
{
	struct trace_run tr = { .opts = opts, .sample_every = sample_every, .strsize = strsize,
				.site = { force_site, no_relocate } };
	struct resolve_opts ropts = { opts->pid, debug_dir, types_path };
	int err = 0;

	if (parse_duty(&tr.duty_on, &tr.duty_period))
		return -EINVAL;
	/* each incarnation owns copies: trace_cleanup frees them */
	for (int i = 0; i < ntrigger_args && !err; i++)
		if (!(tr.trigger_texts[tr.ntrigger_texts++] = strdup(trigger_args[i])))
			err = -ENOMEM;
	if (!err)
		err = trace_prepare(&tr, text, &ropts);
	/* after the probes compiled (their errors first): the interpreter steps
	 * with bpf_loop, probe ids come from attach cookies */
	if (!err && trace_kernel_check())
		err = -ENOTSUP;
	if (!err && crash) {
		struct crash_opts co = { .ring_len = 64, .max_threads = 1024, .per_minute = 10,
					 .tree_pid = opts->pid, .json = opts->format == OUT_JSON };

		tr.crash = crash_rec__new(&co);
		err = tr.crash ? 0 : -EINVAL;
	}
	if (!err)
		err = trace_execute(&tr);
	trace_cleanup(&tr);
	crash_rec__free(tr.crash);
	return err;
}

static double mono_s(void)
{
	return clock_mono_ns() / 1e9;
}

/* -p: attach again when the process execs (its pid-bound uprobes died with
 * the old image); with --follow, after it exits, trace the next process
 * running the same executable. Ctrl-C and -d (counted over all
 * incarnations) end it. */
static int trace_pid(const struct common_opts *opts, const char *text)
{
	struct common_opts each = *opts;
	double end = opts->duration > 0 ? mono_s() + opts->duration : 0;
	char exe[4096];
	int err;

	if (follow && proc_exe_path(opts->pid, exe, sizeof(exe))) {
		log_error("--follow: cannot read the executable of process %d", opts->pid);
		return -EINVAL;
	}
	for (;;) {
		err = trace_once(&each, text);
		if (err && each.pid != opts->pid && kill(each.pid, 0)) {
			/* a short-lived successor: gone before it could be traced */
			fprintf(stderr, "bpfscope: --follow: process %d exited before it was traced\n", each.pid);
		} else if (err || evloop_stopping() || !(evloop_target_execed() || follow)) {
			return err;
		} else if (!evloop_target_exited() && !evloop_target_execed()) {
			return 0; /* -d ran out */
		}
		if (end && (each.duration = end - mono_s()) <= 0)
			return 0;
		if (evloop_target_execed()) {
			fprintf(stderr, "bpfscope: attaching again to the new image of process %d\n", each.pid);
		} else {
			fprintf(stderr, "bpfscope: --follow: waiting for a new process of %s\n", exe);
			each.pid = follow_successor(exe, each.pid, end ? end - mono_s() : 0);
			if (!each.pid)
				return 0;
			fprintf(stderr, "bpfscope: --follow: now tracing process %d\n", each.pid);
		}
		/* let the dynamic loader map its libraries before they are resolved */
		usleep(100000);
	}
}

static int run(const struct common_opts *opts, int argc, char **argv)
{
	char *text;
	int err;

	if (!argc && !script_file) {
		log_error("no probe given (see 'bpfscope trace --help')");
		return 2;
	}
	if (follow && !opts->pid) {
		log_error("--follow needs -p PID (without -p every process of a binary is traced already)");
		return 2;
	}
	text = trace_script_text(script_file, argc, argv);
	if (!text)
		return 2;
	/* uprobes bound to a pid die with its image: attach again after exec */
	evloop_stop_on_exec(opts->pid != 0);
	err = opts->pid ? trace_pid(opts, text) : trace_once(opts, text);
	free(text);
	return err == -EINVAL ? 2 : err ? 1 : 0;
}

static const struct command cmd_trace = { &spec, run, true };
REGISTER_COMMAND(cmd_trace);
