/* bpfscope crash: the crash flight recorder (docs/crash.md). The probes
 * given write each traced thread's last events into a ring in kernel memory
 * (nothing is printed while all is well); when a watched thread gets a
 * fatal signal, its ring, the signal, registers, a CFI-unwound user stack
 * and the kernel stack are printed. The story: split the arguments into
 * probes and a binary -> the probe engine (probe/trace_run) with the
 * recorder switched on (crash/recorder) -> run until -d or Ctrl-C. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/crash.h"
#include "core/cmd.h"
#include "core/log.h"
#include "crash/recorder.h"
#include "probe/compat.h"
#include "probe/trace_run.h"

static const char *exec_cmd, *report_dir, *debug_dir, *types_path;
static int ring_len = 64, max_threads = 1024, per_minute = 10, strsize = 64;

static const struct opt_def options[] = {
	{ "ring", 0, OPT_INT, &ring_len, "N", "events kept per thread (default 64)", 1,
	  CRASH_RING_MAX },
	{ "threads", 0, OPT_INT, &max_threads, "N", "threads with a ring at once (default 1024)", 1,
	  1 << 20 },
	{ "max-per-minute", 0, OPT_INT, &per_minute, "N", "reports per minute at most, 0: no bound "
	  "(default 10)", 0, 1000000 },
	{ "exec", 0, OPT_STRING, &exec_cmd, "CMD", "run CMD with the report's path as its last "
	  "argument when a crash is caught (report files go to --dir)" },
	{ "dir", 0, OPT_STRING, &report_dir, "DIR", "also write each report to a file in DIR "
	  "(default with --exec: /var/tmp/bpfscope-crash)" },
	{ "strsize", 0, OPT_INT, &strsize, "BYTES", "bytes kept of each string (default 64)", 1, 96 },
	{ "debug-dir", 0, OPT_STRING, &debug_dir, "DIR", "also look for debug files in DIR" },
	{ "types", 0, OPT_STRING, &types_path, "FILE", "type pack from 'bpfscope types build'" },
	{ 0 },
};

static const struct cmd_spec spec = {
	.name = "crash",
	.summary = "crash flight recorder: a crashing thread's last events and full stacks",
	.args = "[PROBE...] [BINARY]",
	.details = "PROBEs are those of 'bpfscope trace' (u:, r:, usdt:, t:); their events go to a\n"
		   "ring of the last --ring events of each thread, printed only when the thread gets\n"
		   "SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGSYS or SIGTRAP. Watched: every\n"
		   "process, or -p PID and all its descendants, or -c COMM, or the processes\n"
		   "running BINARY. Crashes without probes still get signal, fault address and\n"
		   "stacks. A u: probe without an action records its six argument registers.\n"
		   "Example:\n"
		   "  bpfscope crash -p 1234 'u:libfoo:read_buf { print(len, buf) }'\n"
		   "With --serve, /metrics counts crashes and /api/crashes and the web UI's\n"
		   "Crashes view show the last reports.\n"
		   "See docs/crash.md.",
	.opts = options,
	.common = COMMON_ALL | COMMON_SERVE,
	.max_args = -1,
};

static bool is_probe(const char *arg)
{
	static const char *const prefixes[] = { "u:", "r:", "usdt:", "t:" };

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(arg, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

/* A function entry probe without an action records its six argument
 * registers: what a crash report most often needs (pointers, lengths). */
#define DEFAULT_ACTION " { print(hex(arg0), hex(arg1), hex(arg2), hex(arg3), hex(arg4), hex(arg5)) }"

/* Probes, one per line, and at most one BINARY. */
static int split_args(int argc, char **argv, char **text, const char **binary)
{
	size_t len = 0;

	*text = calloc(1, 1);
	*binary = NULL;
	for (int i = 0; *text && i < argc; i++) {
		if (!is_probe(argv[i])) {
			if (*binary) {
				log_error("'%s': one BINARY at most ('%s' already given); probes start "
					  "with u:, r:, usdt: or t:", argv[i], *binary);
				return -EINVAL;
			}
			*binary = argv[i];
			continue;
		}
		bool plain = !strncmp(argv[i], "u:", 2) && !strchr(argv[i], '{');

		*text = realloc(*text, len + strlen(argv[i]) + sizeof(DEFAULT_ACTION) + 1);
		if (*text)
			len += sprintf(*text + len, "%s%s\n", argv[i], plain ? DEFAULT_ACTION : "");
	}
	return *text ? 0 : -ENOMEM;
}

static int run(const struct common_opts *opts, int argc, char **argv)
{
	/* -p watches a process tree: probes attach to every process of their
	 * binary and the kernel keeps only the tree (crash.bpf.h) */
	struct common_opts engine_opts = *opts;
	struct trace_run tr = { .opts = &engine_opts, .sample_every = 1, .strsize = strsize };
	struct resolve_opts ropts = { opts->pid, debug_dir, types_path };
	struct crash_opts co = { ring_len, max_threads, per_minute, exec_cmd, report_dir, NULL,
				 true, opts->pid, opts->format == OUT_JSON };
	char *text = NULL;
	int err;

	engine_opts.pid = 0;
	err = split_args(argc, argv, &text, &co.binary);
	if (!err && text[0])
		err = trace_prepare(&tr, text, &ropts);
	free(text);
	/* without bpf_loop or cookies the probes and the recorder run on their
	 * fallbacks (probe/compat.h, bpf/crash.bpf.h): what those cannot do */
	if (!err && probe_compat_check(&tr))
		err = -ENOTSUP;
	if (!err && !(tr.crash = crash_rec__new(&co)))
		err = -EINVAL;
	if (!err)
		err = trace_execute(&tr);
	trace_cleanup(&tr);
	crash_rec__free(tr.crash);
	return err == -EINVAL ? 2 : err ? 1 : 0;
}

static const struct command cmd_crash = { &spec, run, true };
REGISTER_COMMAND(cmd_crash);
