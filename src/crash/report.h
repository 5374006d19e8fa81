/* A crash report as data, and its two renderings (human text, JSON), plus
 * the per-minute bound on reports. Pure: no BPF, no /proc, so unit tests
 * (tests/unit/test_crash.c) check the formats and the limiter directly.
 * The recorder (recorder.c) fills a struct crash_report from a kernel
 * event: unwound and named frames, decoded ring events. */
#ifndef BPFSCOPE_CRASH_REPORT_H
#define BPFSCOPE_CRASH_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "bpf/crash.h"
#include "core/unwind.h"

#define CRASH_MAX_FIELDS 16

struct crash_field {
	char label[96];
	char value[600];
	bool quoted;  /* a string: quoted in text */
	bool numeric; /* a JSON number */
};

/* One event of a ring, decoded. */
struct crash_line {
	uint64_t wall_ns;
	uint64_t duration_ns;
	bool has_duration; /* return probes */
	uint32_t tid;
	char probe[256];
	int nfields;
	struct crash_field fields[CRASH_MAX_FIELDS];
	bool truncated; /* the record had more bytes than a ring entry keeps */
};

struct crash_kframe {
	uint64_t addr;
	char name[160];
};

struct crash_report {
	uint32_t pid, tid;
	char comm[TASK_COMM_LEN + 1];
	int sig, code, errnum;
	uint64_t addr;
	uint32_t sender_pid;
	int handler; /* enum crash_handler */
	uint64_t wall_ns;
	uint64_t regs[UNWIND_NREGS];
	uint32_t stack_len;
	struct unwind_result unwind;
	int nkframes;
	struct crash_kframe kframes[CRASH_KSTACK];
	bool has_ring;
	uint64_t ring_total; /* events the thread recorded in all */
	int nevents;
	struct crash_line *events; /* oldest first */
	int nothers;
	struct crash_line *others; /* last event of each other thread */
	char maps_source[128];	   /* where the mappings came from */
	char notes[256];	   /* what was incomplete */
};

const char *crash_signal_name(int sig);
/* "SEGV_MAPERR (address not mapped)", "SI_TKILL (tkill/raise)", or "code N". */
void crash_code_text(int sig, int code, char *buf, size_t len);
/* Whether si_addr means something for this signal and code. */
bool crash_has_fault_addr(int sig, int code);

void crash_report_text(FILE *out, const struct crash_report *r);
struct json_object *crash_report_json(const struct crash_report *r);

/* At most per_minute reports in any window of 60 s starting at the first
 * report after the previous window (per_minute 0: no limit). */
struct crash_ratelimit {
	int per_minute;
	uint64_t window_start_ns;
	int used;
	uint64_t suppressed;
};

bool crash_ratelimit_allow(struct crash_ratelimit *rl, uint64_t now_ns);

#endif
