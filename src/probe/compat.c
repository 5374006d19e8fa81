/* See compat.h and bpf/probe_compat.bpf.h. The choices:
 * - bpf_loop or cookies missing: the compat programs (probe_entry_cN,
 *   probe_return_cN, probe_tp_cN per probe id N, probe_usdt_compat) instead
 *   of the four modern ones, attached without cookies;
 * - task-local storage missing, or compat programs: return-probe pairs in
 *   the pair_stacks hash (compat_thread_hash), whose entries the
 *   probe_thread_exit_compat program deletes at thread exit;
 * - task-storage maps are not created where the kernel lacks them.
 * The bounded loop runs as many iterations as the longest probe has
 * operations (fewer iterations verify faster); BPFSCOPE_COMPAT_STEPS=N
 * forces N, to measure what a kernel's verifier accepts. */
#include "probe/compat.h"

#include <bpf/libbpf.h>
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "bpf/probe.h"
#include "bpf/probe_compat.h"
#include "core/features.h"
#include "core/log.h"
#include "probe.skel.h"
#include "probe/trace_run.h"

bool probe_compat_active(void)
{
	return !feature_has(FEAT_BPF_LOOP) || !feature_has(FEAT_BPF_COOKIE);
}

/* ET_DYN: a PIE executable or a library, whose addresses differ per process */
static bool position_independent(const char *path)
{
	Elf64_Ehdr eh;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool dyn = fd >= 0 && read(fd, &eh, sizeof(eh)) == sizeof(eh) && eh.e_type == ET_DYN;

	if (fd >= 0)
		close(fd);
	return dyn;
}

int probe_compat_check(const struct trace_run *tr)
{
	if (!probe_compat_active())
		return 0;
	if (tr->nprobes > PROBE_COMPAT_PROBES) {
		log_error("at most %d probes on a kernel without BPF cookies (Linux 5.15+) or "
			  "bpf_loop (5.17+); %d given",
			  PROBE_COMPAT_PROBES, tr->nprobes);
		return -1;
	}
	if (tr->ntrigger_texts) {
		log_error("triggers need BPF cookies (Linux 5.15+) and bpf_loop (5.17+)");
		return -1;
	}
	for (int i = 0; i < tr->nprobes; i++) {
		const struct traced_probe *p = &tr->probes[i];

		/* libbpf finds a USDT spec by absolute address without cookies */
		if (p->ast->kind == TARGET_USDT && !tr->opts->pid &&
		    !feature_has(FEAT_BPF_COOKIE) && position_independent(p->res.path)) {
			log_error(
			    "%s: USDT in a position-independent file needs -p PID on a kernel "
			    "without BPF cookies (Linux 5.15+)",
			    p->ast->text);
			return -1;
		}
	}
	return 0;
}

static void drop_task_storage_maps(struct bpf_object *obj)
{
	struct bpf_map *m;

	bpf_object__for_each_map (m, obj)
		if (bpf_map__type(m) == BPF_MAP_TYPE_TASK_STORAGE)
			bpf_map__set_autocreate(m, false);
}

static int enable(struct bpf_object *obj, const char *base, int id)
{
	char name[64];
	struct bpf_program *prog;

	snprintf(name, sizeof(name), "%s%d", base, id);
	prog = bpf_object__find_program_by_name(obj, name);
	if (!prog) {
		log_error("probe program %s missing", name);
		return -1;
	}
	bpf_program__set_autoload(prog, true);
	return 0;
}

/* The compat programs these probes attach with, instead of the modern ones. */
static int enable_compat(struct trace_run *tr)
{
	struct probe_bpf *skel = tr->skel;
	__u32 steps = 1;
	const char *forced = getenv("BPFSCOPE_COMPAT_STEPS");
	int err = 0;

	bpf_program__set_autoload(skel->progs.probe_entry, false);
	bpf_program__set_autoload(skel->progs.probe_return, false);
	bpf_program__set_autoload(skel->progs.probe_usdt, false);
	bpf_program__set_autoload(skel->progs.probe_tp, false);
	/* the fast paths take the probe id from the cookie */
	bpf_program__set_autoload(skel->progs.probe_fast_entry, false);
	bpf_program__set_autoload(skel->progs.probe_fast_return, false);
	for (int i = 0; i < tr->nprobes && !err; i++) {
		enum probe_target_kind kind = tr->probes[i].ast->kind;

		tr->probes[i].fast = false;
		if (tr->probes[i].cp.cfg.nops > steps)
			steps = tr->probes[i].cp.cfg.nops;
		if (kind == TARGET_UPROBE || kind == TARGET_URETPROBE)
			err = enable(skel->obj, "probe_entry_c", i);
		if (!err && kind == TARGET_URETPROBE)
			err = enable(skel->obj, "probe_return_c", i);
		if (!err && kind == TARGET_TRACEPOINT)
			err = enable(skel->obj, "probe_tp_c", i);
		if (kind == TARGET_USDT)
			bpf_program__set_autoload(skel->progs.probe_usdt_compat, true);
	}
	skel->rodata->compat_max_ops = forced ? (__u32)atoi(forced) : steps;
	return err;
}

static bool uses_returns(const struct trace_run *tr)
{
	for (int i = 0; i < tr->nprobes; i++)
		if (tr->probes[i].ast->kind == TARGET_URETPROBE)
			return true;
	return false;
}

int probe_compat_prepare(struct trace_run *tr)
{
	struct probe_bpf *skel = tr->skel;
	bool compat = probe_compat_active();
	bool hash = compat || !feature_has(FEAT_TASK_STORAGE);

	if (compat && enable_compat(tr))
		return -1;
	skel->rodata->compat_thread_hash = hash;
	if (!feature_has(FEAT_TASK_STORAGE) || compat)
		drop_task_storage_maps(skel->obj);
	/* spans (hooks) keep a stack per thread too; attached with the
	 * session's auto-attached programs, before the probes */
	bool exits = hash && (uses_returns(tr) || tr->hooks);

	bpf_program__set_autoload(skel->progs.probe_thread_exit_compat, exits);
	bpf_program__set_autoattach(skel->progs.probe_thread_exit_compat, exits);
	if (!hash && (bpf_map__set_max_entries(skel->maps.pair_stacks_by_thread, 1) ||
		      bpf_map__set_max_entries(skel->maps.span_threads_by_thread, 1)))
		return -1;
	log_info("probe engine: %s, %s, %s",
		 feature_has(FEAT_BPF_COOKIE) && !compat ? "BPF cookies" : "a program per probe",
		 compat ? "bounded loop" : "bpf_loop",
		 hash ? "per-thread hash" : "task-local storage");
	return 0;
}

struct bpf_program *probe_compat_prog(const struct trace_run *tr, struct bpf_program *modern,
				      const char *base, int id)
{
	char name[64];

	if (!probe_compat_active())
		return modern;
	snprintf(name, sizeof(name), "%s%d", base, id);
	return bpf_object__find_program_by_name(tr->skel->obj, name);
}
