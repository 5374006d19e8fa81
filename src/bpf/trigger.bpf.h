/* Triggers, kernel side (see bpf/trigger.h). Included by probe.bpf.c, which
 * calls trigger_hit() for every hit of a probe, trigger_open() before
 * running a probe's operations and trigger_take() once the event passed its
 * predicate.
 *
 * The rate: every hit of the source probe adds to the clause's window
 * count; the first hit after the window (window_ns) has elapsed closes it:
 * one CPU wins a compare-and-swap on window_start, takes the count with an
 * atomic exchange, and alone evaluates the state machine:
 *   ARMED --rate > high--> FIRED (left = captures; notice)
 *   FIRED --rate < low---> ARMED (left = 0; notice)
 * so a clause fires once per excursion above high (hysteresis) and captures
 * at most `captures` events each time. A source that stops entirely closes
 * its window on its next hit, with the long idle period giving a low rate.
 * Target hits with no capture left are counted (gated) and skip all work. */
#ifndef BPFSCOPE_TRIGGER_BPF_H
#define BPFSCOPE_TRIGGER_BPF_H

#include "bpf/probe.h"
#include "bpf/trigger.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TRIGGER_MAX);
	__type(key, __u32);
	__type(value, struct trigger);
} triggers SEC(".maps");

/* Per probe: which clauses watch it (source) or capture it (target). */
__u8 trigger_source_mask[PROBE_MAX];
__u8 trigger_target_mask[PROBE_MAX];

static __always_inline void trigger_notice(__u32 i, __u32 what, __u64 now, __u64 rate)
{
	struct trigger_notice n = { TRIGGER_NOTICE_PROBE, i, what, 0, now, rate };

	if (bpf_ringbuf_output(&events, &n, sizeof(n), wakeup_flags()))
		stat_inc(STAT_DROPS);
	else
		stat_inc(STAT_EVENTS);
}

static __always_inline void trigger_decide(struct trigger *t, __u32 i, __u64 now, __u64 rate)
{
	t->last_rate = rate;
	if (t->state == TRIG_ARMED && rate > t->high) {
		if (t->max_fires && t->fires >= t->max_fires)
			return;
		t->left = t->captures;
		t->fires++;
		t->state = TRIG_FIRED;
		trigger_notice(i, TRIG_NOTICE_FIRED, now, rate);
	} else if (t->state == TRIG_FIRED && rate < t->low) {
		t->left = 0;
		t->rearms++;
		t->state = TRIG_ARMED;
		trigger_notice(i, TRIG_NOTICE_REARMED, now, rate);
	}
}

static __always_inline void trigger_count(__u32 i, __u64 now)
{
	struct trigger *t = bpf_map_lookup_elem(&triggers, &i);
	__u64 start, n;

	if (!t)
		return;
	__sync_fetch_and_add(&t->count, 1);
	start = t->window_start;
	if (!start) {
		__sync_val_compare_and_swap(&t->window_start, 0, now);
		return;
	}
	if (now <= start || now - start < t->window_ns)
		return;
	if (__sync_val_compare_and_swap(&t->window_start, start, now) != start)
		return; /* another CPU closed this window */
	n = __sync_lock_test_and_set(&t->count, 0);
	trigger_decide(t, i, now, n * 1000000000ULL / (now - start));
}

/* Every hit of a probe: counts it for the clauses watching it. */
static __always_inline void trigger_hit(__u32 probe)
{
	__u8 mask = trigger_source_mask[probe & (PROBE_MAX - 1)];
	__u64 now;

	if (!mask)
		return;
	now = bpf_ktime_get_ns();
	for (__u32 i = 0; i < TRIGGER_MAX; i++)
		if (mask & (1u << i))
			trigger_count(i, now);
}

/* Clause i when it captures probe (mask bit set), else NULL. */
static __always_inline struct trigger *trigger_capturing(__u8 mask, __u32 i)
{
	return (mask & (1u << i)) ? bpf_map_lookup_elem(&triggers, &i) : NULL;
}

/* take false: whether a clause capturing probe has captures left (before
 * any work); take true: the event passed its predicate, take one capture
 * (fails when other CPUs took the last ones meanwhile). Refused hits are
 * counted as gated on the first clause. */
static __always_inline bool trigger_gate(__u32 probe, bool take)
{
	__u8 mask = trigger_target_mask[probe & (PROBE_MAX - 1)];
	struct trigger *first = NULL;

	if (!mask)
		return true;
	for (__u32 i = 0; i < TRIGGER_MAX; i++) {
		struct trigger *t = trigger_capturing(mask, i);

		if (!t)
			continue;
		if (!take && t->left > 0)
			return true;
		if (take && __sync_fetch_and_add(&t->left, -1) > 0) {
			__sync_fetch_and_add(&t->captured, 1);
			return true;
		}
		if (!first)
			first = t;
	}
	if (first)
		__sync_fetch_and_add(&first->gated, 1);
	return false;
}

static __always_inline bool trigger_open(__u32 probe)
{
	return trigger_gate(probe, false);
}

static __always_inline bool trigger_take(__u32 probe)
{
	return trigger_gate(probe, true);
}

#endif
