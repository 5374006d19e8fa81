/* Fast paths of the probe engine, user side: which probes may run on the
 * specialised programs of bpf/probe_fast.bpf.h instead of the generic
 * interpreter, and their aggregations (one per-CPU array slot per probe)
 * read back into the same tables as the generic ones.
 *
 * A probe takes the fast path when its shape needs nothing the interpreter
 * provides: a return probe (r:) whose action is count(), hist(duration),
 * lhist(duration, ...) or sum(duration), or an entry probe (u:) whose action
 * is count(); on return probes at most one key, `by (retval)` or by an
 * argument register as is (aggregated in the generic hash), and no `if`
 * predicate except `retval OP constant` or `retval` (both recognised in the
 * compiled operations, which the fast program reads); not a span probe
 * (the span commands keep the generic programs, which carry their hooks).
 * Everything else, and every probe when BPFSCOPE_PROBE_GENERIC is set to
 * anything but "" or "0" (tests compare both paths), stays generic.
 *
 * Reading: the array cannot be drained atomically like the hash, so user
 * space keeps the last drained totals (traced_probe.fast_base) and hands
 * out the difference: the same interval semantics as bpfmap_drain. */
#ifndef BPFSCOPE_PROBE_FASTPATH_H
#define BPFSCOPE_PROBE_FASTPATH_H

#include <stdbool.h>

#include "bpf/probe.h"
#include "probe/ast.h"

struct traced_probe;
struct probe_bpf;

/* True when the probe (its syntax and compiled operations) may take the
 * fast path; otherwise *why (static text) says what keeps it generic.
 * spans: the probes run under a span command. */
bool probe_fast_eligible(const struct probe_ast *ast, const struct probe_cfg *cfg, bool spans,
			 const char **why);

/* Sets p->fast from probe_fast_eligible; -v logs the path of probe pID
 * and why. */
void probe_fast_choose(struct traced_probe *p, int id, bool spans);

/* The difference of per-CPU totals (ncpus values) to *base, summed into
 * *delta; with advance, *base becomes the totals. False when no call was
 * added since *base (nothing to report). */
bool probe_fast_delta(const struct probe_agg_value *percpu, int ncpus, struct probe_agg_value *base,
		      bool advance, struct probe_agg_value *delta);

/* Autoload of the four uprobe programs: only those the probes use. */
void probe_fast_autoload(struct probe_bpf *skel, const struct traced_probe *probes, int n);

typedef void (*probe_fast_agg_fn)(void *ctx, const void *key, const void *percpu_value);

/* Each fast probe's aggregation since the last clear, as one key with ncpus
 * per-CPU values (the difference in the first) like a drained hash entry;
 * clear: the next read starts from here. < 0 on a map read error. */
int probe_fast_read(struct probe_bpf *skel, struct traced_probe *probes, int n, int ncpus,
		    bool clear, probe_fast_agg_fn fn, void *ctx);

#endif
