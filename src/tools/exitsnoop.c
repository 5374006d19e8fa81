/* bpfscope exitsnoop: process exits with exit code or signal and lifetime. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "bpf/exitsnoop.h"
#include "core/clock.h"
#include "core/evtool.h"
#include "core/output.h"
#include "exitsnoop.skel.h"

static bool failed_only, with_threads;

static const struct opt_def options[] = {
    {"failed", 'x', OPT_FLAG, &failed_only, NULL, "show only non-zero exits and signals"},
    {"threads", 't', OPT_FLAG, &with_threads, NULL, "show every thread's exit, not only processes"},
    {0},
};

static const struct cmd_spec spec = {
    .name = "exitsnoop",
    .summary = "trace process exits with exit code or signal and lifetime",
    .opts = options,
    .common = COMMON_TARGET | COMMON_DURATION | COMMON_OUTPUT,
    .max_args = 0,
};

static const struct out_col columns[] = {
    {"time", "TIME", -15}, {"comm", "PCOMM", -16}, {"pid", "PID", 7},
    {"ppid", "PPID", 7},   {"tid", "TID", 7},	   {"age_s", "AGE(s)", 8},
    {"code", "CODE", 5},   {"signal", "SIG", -8},  {"exit", "EXIT", 0},
};

/* "0", "code 3", "signal 9 (KILL)", "signal 11 (SEGV), core dumped" */
static void describe(char *buf, size_t len, __u32 status)
{
	int sig = status & 0x7f;

	if (!sig)
		snprintf(buf, len, "code %u", (status >> 8) & 0xff);
	else
		snprintf(buf, len, "signal %d (%s)%s", sig, sigabbrev_np(sig) ?: "?",
			 status & 0x80 ? ", core dumped" : "");
}

static int on_event(void *ctx, const void *data, size_t size)
{
	struct out *out = ((struct evtool_ctx *)ctx)->out;
	const struct exit_event *e = data;
	int sig = e->exit_code & 0x7f;
	char what[64];

	if (size < sizeof(*e))
		return 0;
	describe(what, sizeof(what), e->exit_code);
	out__row_begin(out);
	out__time(out, clock_mono_to_wall(e->ts_ns));
	out__str(out, e->comm);
	out__u64(out, e->pid);
	out__u64(out, e->ppid);
	out__u64(out, e->tid);
	out__double(out, e->lifetime_ns / 1e9, 2);
	out__u64(out, (e->exit_code >> 8) & 0xff);
	out__str(out, sig ? sigabbrev_np(sig) ?: "?" : "");
	out__str(out, what);
	out__row_end(out);
	return 0;
}

/* .rodata from the options */
static void setup(struct exitsnoop_bpf *skel)
{
	skel->rodata->failed_only = failed_only;
	skel->rodata->with_threads = with_threads;
}

EVTOOL_COMMAND(exitsnoop, spec, columns, on_event, setup);
