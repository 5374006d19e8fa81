/* Crash flight recorder, user side: configures the recorder part of the
 * probe engine's BPF object (src/bpf/crash.bpf.h), keeps memory-map
 * snapshots of watched processes, and turns each crash event into a report
 * (src/crash/report.h): unwound and symbolized user stack, kernel stack,
 * the crashing thread's last events decoded with the probes' layouts, the
 * other threads' last event. Reports go to stdout, optionally to files in
 * a directory and to a command (--exec), at most N per minute.
 * Used by `bpfscope crash` and `bpfscope trace --crash`. */
#ifndef BPFSCOPE_CRASH_RECORDER_H
#define BPFSCOPE_CRASH_RECORDER_H

#include <stdbool.h>
#include <sys/types.h>

struct probe_bpf;
struct trace_run;

struct crash_opts {
	int ring_len;	      /* events per thread (1..CRASH_RING_MAX) */
	int max_threads;      /* threads with a ring at once */
	int per_minute;	      /* reports per minute, 0: unbounded */
	const char *exec_cmd; /* run with the report path */
	const char *dir;      /* where report files go (--dir, or a default with --exec) */
	const char *binary;   /* watch processes running this executable */
	bool ring_only;	      /* events go only to the rings (bpfscope crash) */
	pid_t tree_pid;	      /* watch this process and its descendants */
	bool json;
};

struct crash_rec;

/* Validates the options (one error line, NULL on bad input). */
struct crash_rec *crash_rec__new(const struct crash_opts *opts);
/* Before load. With cr NULL, switches the recorder's programs off. */
int crash_rec__configure(struct crash_rec *cr, struct probe_bpf *skel);
/* After attach: watched processes, map snapshots, the crash ring buffer. */
int crash_rec__start(struct crash_rec *cr, struct trace_run *tr);
int crash_rec__tick(struct crash_rec *cr);
/* Summary line; waits (bounded) for --exec commands still running. */
void crash_rec__finish(struct crash_rec *cr);
void crash_rec__free(struct crash_rec *cr);

#endif
