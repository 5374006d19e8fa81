/* bpfscope killsnoop: signals sent with kill/tkill/tgkill, with the result. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "bpf/killsnoop.h"
#include "core/clock.h"
#include "core/evtool.h"
#include "core/output.h"
#include "killsnoop.skel.h"

static bool failed_only;
static int only_sig;

/* "9", "KILL", "SIGKILL" (any case) */
static int parse_signal(const char *arg, void *dest)
{
	const char *name = strncasecmp(arg, "SIG", 3) ? arg : arg + 3;
	long long n;

	if (!parse_int(arg, 1, SIGRTMAX, &n)) {
		*(int *)dest = n;
		return 0;
	}
	for (int sig = 1; sig < SIGRTMIN; sig++) {
		if (sigabbrev_np(sig) && !strcasecmp(sigabbrev_np(sig), name)) {
			*(int *)dest = sig;
			return 0;
		}
	}
	log_error("-s: unknown signal '%s'", arg);
	return -1;
}

static const struct opt_def options[] = {
    {"failed", 'x', OPT_FLAG, &failed_only, NULL, "show only failed calls"},
    {"signal", 's', OPT_CUSTOM, &only_sig, "SIG",
     "only this signal (number or name: 9, KILL, SIGKILL)", 0, 0, parse_signal},
    {0},
};

static const struct cmd_spec spec = {
    .name = "killsnoop",
    .summary = "trace signals sent by kill, tkill and tgkill, with the result",
    .details = "-p/-c/--cgroup select the sender.",
    .opts = options,
    .common = COMMON_TARGET | COMMON_DURATION | COMMON_OUTPUT,
    .max_args = 0,
};

static const struct out_col columns[] = {
    {"time", "TIME", -15}, {"pid", "PID", 7},	   {"comm", "COMM", -16}, {"call", "CALL", -6},
    {"sig", "SIG", 4},	   {"signal", "NAME", -7}, {"target", "TPID", 7}, {"result", "RESULT", 0},
};

static int on_event(void *ctx, const void *data, size_t size)
{
	static const char *const calls[] = {"kill", "tkill", "tgkill"};
	struct out *out = ((struct evtool_ctx *)ctx)->out;
	const struct kill_event *e = data;

	if (size < sizeof(*e))
		return 0;
	out__row_begin(out);
	out__time(out, clock_mono_to_wall(e->ts_ns));
	out__u64(out, e->pid);
	out__str(out, e->comm);
	out__str(out, e->call < 3 ? calls[e->call] : "?");
	out__i64(out, e->sig);
	out__str(out, e->sig ? sigabbrev_np(e->sig) ?: "?" : "0");
	out__i64(out, e->target);
	out__str(out, e->ret >= 0 ? "0" : strerrorname_np(-e->ret) ?: "?");
	out__row_end(out);
	return 0;
}

/* .rodata from the options */
static void setup(struct killsnoop_bpf *skel)
{
	skel->rodata->failed_only = failed_only;
	skel->rodata->only_sig = only_sig;
}

EVTOOL_COMMAND(killsnoop, spec, columns, on_event, setup);
