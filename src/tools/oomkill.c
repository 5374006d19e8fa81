/* bpfscope oomkill: OOM kills with victim, trigger, memory and load. */
#include <stdio.h>
#include <string.h>

#include "bpf/oomkill.h"
#include "core/clock.h"
#include "core/evtool.h"
#include "core/output.h"
#include "oomkill.skel.h"

static const struct cmd_spec spec = {
    .name = "oomkill",
    .summary = "trace OOM kills: victim, the task that triggered it, memory sizes, load average",
    .details = "The trigger is the task whose allocation ran the OOM killer. Memory sizes are\n"
	       "the victim's, in kB, from the oom:mark_victim tracepoint; the load average is\n"
	       "read from /proc/loadavg when the event arrives.",
    .common = COMMON_DURATION | COMMON_OUTPUT,
    .max_args = 0,
};

static const struct out_col columns[] = {
    {"time", "TIME", -15},	    {"trigger_pid", "TPID", 7},	   {"trigger_comm", "TCOMM", -16},
    {"victim_pid", "VPID", 7},	    {"victim_comm", "VCOMM", -16}, {"anon_rss_kb", "ANON(kB)", 10},
    {"file_rss_kb", "FILE(kB)", 9}, {"total_vm_kb", "VM(kB)", 10}, {"oom_score_adj", "ADJ", 5},
    {"loadavg", "LOADAVG", 0},
};

/* "0.52 0.58 0.59" (first three fields of /proc/loadavg) */
static void read_loadavg(char *buf, size_t len)
{
	FILE *f = fopen("/proc/loadavg", "r");
	double l1, l5, l15;

	snprintf(buf, len, "?");
	if (!f)
		return;
	if (fscanf(f, "%lf %lf %lf", &l1, &l5, &l15) == 3)
		snprintf(buf, len, "%.2f %.2f %.2f", l1, l5, l15);
	fclose(f);
}

static int on_event(void *ctx, const void *data, size_t size)
{
	struct out *out = ((struct evtool_ctx *)ctx)->out;
	const struct oom_event *e = data;
	char load[64], victim[TASK_COMM_LEN + 1], trigger[TASK_COMM_LEN + 1];

	if (size < sizeof(*e))
		return 0;
	read_loadavg(load, sizeof(load));
	snprintf(victim, sizeof(victim), "%.*s", TASK_COMM_LEN, e->victim_comm);
	snprintf(trigger, sizeof(trigger), "%.*s", TASK_COMM_LEN, e->trigger_comm);
	out__row_begin(out);
	out__time(out, clock_mono_to_wall(e->ts_ns));
	out__u64(out, e->trigger_pid);
	out__str(out, trigger);
	out__u64(out, e->victim_pid);
	out__str(out, victim);
	out__u64(out, e->anon_rss_kb);
	out__u64(out, e->file_rss_kb);
	out__u64(out, e->total_vm_kb);
	out__i64(out, e->oom_score_adj);
	out__str(out, load);
	out__row_end(out);
	return 0;
}

static void setup(struct oomkill_bpf *skel)
{
	(void)skel; /* no kernel-side options */
}

EVTOOL_COMMAND(oomkill, spec, columns, on_event, setup);
