/* Kernel feature table (the shape of libbpf's features.c): one entry per
 * feature, probed the first time it is asked for by loading or attaching a
 * tiny program, then cached. Commands choose mechanisms from it; `bpfscope
 * features` prints it. */
#ifndef BPFSCOPE_FEATURES_H
#define BPFSCOPE_FEATURES_H

#include <stdbool.h>
#include <stdio.h>

enum feature {
	FEAT_BTF,
	FEAT_RINGBUF,
	FEAT_TRACEPOINT,
	FEAT_RAW_TP,
	FEAT_TP_BTF,
	FEAT_FENTRY,
	FEAT_KPROBE,
	FEAT_KPROBE_MULTI,
	FEAT_UPROBE,
	FEAT_UPROBE_MULTI,
	FEAT_PERF_EVENT,
	FEAT_BPF_COOKIE,
	FEAT_KTIME_TAI,
	FEAT_TASK_STORAGE,
	FEAT_BPF_LOOP,
	FEAT_TCX,
	FEAT_RDONLY_CAST,
	FEAT_XDP_LOAD_BYTES,
	FEAT_FIND_VMA,
	FEAT__COUNT
};

bool feature_has(enum feature f);
const char *feature_name(enum feature f);
/* Why a feature is missing ("EPERM at attach"), or what it was tested on. */
const char *feature_detail(enum feature f);
/* Prints the whole table, probing everything. JSON lines when json is set. */
void features_print(FILE *out, bool json);

#endif
