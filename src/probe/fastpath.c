/* See fastpath.h. */
#include "probe/fastpath.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "probe.skel.h"
#include "probe/trace_run.h"

static bool forced_generic(void)
{
	const char *env = getenv("BPFSCOPE_PROBE_GENERIC");

	return env && env[0] && strcmp(env, "0");
}

static bool is_duration(const struct node *n)
{
	return n && n->kind == N_IDENT && !strcmp(n->name, "duration");
}

/* count() anywhere; a duration aggregate on return probes. */
static bool fast_action(const struct probe_ast *ast)
{
	if (ast->action == ACT_COUNT)
		return ast->nexprs == 0;
	if (ast->kind != TARGET_URETPROBE || ast->nexprs != 1 || !is_duration(ast->exprs[0]))
		return false;
	return ast->action == ACT_HIST || ast->action == ACT_LHIST || ast->action == ACT_SUM;
}

static bool is_comparison(__u8 code)
{
	return code >= POP_EQ && code <= POP_SGE;
}

/* Length of the compiled predicate when it is `retval` or `retval OP
 * constant`, the only ones bpf/probe_fast.bpf.h's fast_pred_len() reads;
 * -1 for any other. */
static int fast_pred_len(const struct probe_cfg *cfg)
{
	const struct probe_op *op = cfg->ops;

	if (cfg->nops < 2 || op[0].code != POP_RETVAL)
		return -1;
	if (op[1].code == POP_FILTER)
		return 2;
	if (cfg->nops >= 4 && op[1].code == POP_IMM && is_comparison(op[2].code) &&
	    op[3].code == POP_FILTER)
		return 4;
	return -1;
}

/* One key that is retval or an argument register as is, 8 bytes at offset
 * 0, right after the predicate (fast_key_arg() in the BPF side). */
static bool fast_key(const struct probe_cfg *cfg, int at)
{
	const struct probe_op *op = &cfg->ops[at];

	if (cfg->key_size != 8 || (int)cfg->nops < at + 2)
		return false;
	if (op[0].code != POP_RETVAL &&
	    (op[0].code != POP_SAVED_ARG || op[0].a >= PROBE_SAVED_ARGS))
		return false;
	return op[1].code == POP_STORE && op[1].c == 2 /* key */ && op[1].a == 0 && op[1].b == 8;
}

bool probe_fast_eligible(const struct probe_ast *ast, const struct probe_cfg *cfg, bool spans,
			 const char **why)
{
	*why = NULL;
	if (forced_generic())
		*why = "BPFSCOPE_PROBE_GENERIC is set";
	else if (spans || ast->role != ROLE_NONE)
		*why = "span probes carry the span hooks";
	else if (ast->kind != TARGET_UPROBE && ast->kind != TARGET_URETPROBE)
		*why = "only u: and r: probes have one";
	else if (ast->predicate && ast->kind != TARGET_URETPROBE)
		*why = "it has a predicate";
	else if (ast->predicate && fast_pred_len(cfg) < 0)
		*why = "its predicate is not 'retval OP constant'";
	else if (ast->nkeys && (ast->kind != TARGET_URETPROBE || ast->nkeys > 1 ||
				!fast_key(cfg, ast->predicate ? fast_pred_len(cfg) : 0)))
		*why = "its key is not one 'retval' or argument";
	else if (!fast_action(ast))
		*why = ast->kind == TARGET_URETPROBE
			   ? "its action is not count(), or hist/lhist/sum of duration"
			   : "its action is not count()";
	return *why == NULL;
}

void probe_fast_choose(struct traced_probe *p, int id, bool spans)
{
	const char *why;

	p->fast = probe_fast_eligible(p->ast, &p->cp.cfg, spans, &why);
	if (p->fast)
		log_info("p%d %s: fast path", id, p->ast->text);
	else
		log_info("p%d %s: generic path: %s", id, p->ast->text, why);
}

bool probe_fast_delta(const struct probe_agg_value *percpu, int ncpus, struct probe_agg_value *base,
		      bool advance, struct probe_agg_value *delta)
{
	struct probe_agg_value total;

	memset(&total, 0, sizeof(total));
	for (int c = 0; c < ncpus; c++) {
		total.count += percpu[c].count;
		total.sum += percpu[c].sum;
		for (int s = 0; s < 64; s++)
			total.slots[s] += percpu[c].slots[s];
	}
	delta->count = total.count - base->count;
	delta->sum = total.sum - base->sum;
	for (int s = 0; s < 64; s++)
		delta->slots[s] = total.slots[s] - base->slots[s];
	if (advance)
		*base = total;
	return delta->count != 0;
}

void probe_fast_autoload(struct probe_bpf *skel, const struct traced_probe *probes, int n)
{
	bool entry = false, ret = false, fast_entry = false, fast_ret = false;

	for (int i = 0; i < n; i++) {
		enum probe_target_kind kind = probes[i].ast->kind;

		if (kind != TARGET_UPROBE && kind != TARGET_URETPROBE)
			continue;
		*(probes[i].fast ? &fast_entry : &entry) = true;
		if (kind == TARGET_URETPROBE)
			*(probes[i].fast ? &fast_ret : &ret) = true;
	}
	bpf_program__set_autoload(skel->progs.probe_entry, entry);
	bpf_program__set_autoload(skel->progs.probe_return, ret);
	bpf_program__set_autoload(skel->progs.probe_fast_entry, fast_entry);
	bpf_program__set_autoload(skel->progs.probe_fast_return, fast_ret);
}

int probe_fast_read(struct probe_bpf *skel, struct traced_probe *probes, int n, int ncpus,
		    bool clear, probe_fast_agg_fn fn, void *ctx)
{
	struct probe_agg_value *percpu = calloc(ncpus, sizeof(*percpu));
	struct probe_agg_key key;
	int fd = bpf_map__fd(skel->maps.fast_aggs), err = 0;

	if (!percpu)
		return -ENOMEM;
	for (int i = 0; i < n && !err; i++) {
		__u32 idx = i;

		if (!probes[i].fast)
			continue;
		if (bpf_map_lookup_elem(fd, &idx, percpu)) {
			err = -errno;
			break;
		}
		memset(&key, 0, sizeof(key));
		key.probe = idx;
		/* the difference goes in the first CPU's place, the others count 0 */
		if (probe_fast_delta(percpu, ncpus, &probes[i].fast_base, clear, &percpu[0])) {
			memset(&percpu[1], 0, (ncpus - 1) * sizeof(*percpu));
			fn(ctx, &key, percpu);
		}
	}
	free(percpu);
	return err;
}
