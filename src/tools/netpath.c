/* bpfscope netpath: per-packet kernel path of TCP segments across devices
 * and network namespaces (veth, routing namespaces), from the kernel's
 * network tracepoints. Segments are grouped by 4-tuple + sequence number;
 * at exit, every segment whose path took longer than --slow is printed with
 * its steps and the step pair where most time went, and every drop with the
 * kernel's drop reason. */
#include <bpf/libbpf.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/netpath.h"
#include "core/clock.h"
#include "core/cmd.h"
#include "core/dropreason.h"
#include "core/log.h"
#include "core/output.h"
#include "core/session.h"
#include "core/skelcmd.h"
#include "netpath.skel.h"
#include "tools/net_record.h"

#define GROUP_GAP_NS 1000000000ull /* same seq > 1 s later: a new segment */

static int port_opt;
static double slow_us = 1000;
static uint64_t max_events = 2000000;

static const struct opt_def options[] = {
    {"port", 0, OPT_INT, &port_opt, "PORT", "only TCP with this port on either side", 1, 65535},
    {"slow", 0, OPT_DOUBLE, &slow_us, "USECS", "print segments slower than this (default 1000)", 0,
     1e12},
    {"max-events", 0, OPT_U64, &max_events, "N", "events kept (default 2000000)", 1, 1e9},
    {0},
};

static const struct cmd_spec spec = {
    .name = "netpath",
    .summary = "per-packet kernel path of TCP segments across devices and namespaces, drops",
    .details = "Follows TCP segments by 4-tuple and sequence number through net_dev_queue, "
	       "net_dev_xmit, netif_receive_skb, napi_gro_receive_entry, tcp_probe and "
	       "kfree_skb, with the network namespace and interface of each step. Prints, at "
	       "exit, segments slower than --slow with the step where the time went, and "
	       "every drop with the kernel's reason.",
    .opts = options,
    .common = COMMON_DURATION | COMMON_OUTPUT,
    .max_args = 0,
};

static const char *const step_names[] = {"?", "queue", "xmit", "receive", "gro", "tcp_rcv", "drop"};

struct np_ctx {
	struct netpath_event *ev;
	size_t n, cap;
	uint64_t not_kept;
	struct drop_reasons reasons;
};

static int on_event(void *ctx, const void *data, size_t size)
{
	struct np_ctx *c = ctx;

	if (size < sizeof(struct netpath_event))
		return 0;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 65536;
		void *n = cap <= max_events ? realloc(c->ev, cap * sizeof(*c->ev)) : NULL;

		if (!n) {
			c->not_kept++;
			return 0;
		}
		c->ev = n;
		c->cap = cap;
	}
	c->ev[c->n++] = *(const struct netpath_event *)data;
	return 0;
}

static int same_segment(const struct netpath_event *a, const struct netpath_event *b)
{
	return a->family == b->family && a->sport == b->sport && a->dport == b->dport &&
	       a->seq == b->seq && !memcmp(a->saddr, b->saddr, 16) &&
	       !memcmp(a->daddr, b->daddr, 16);
}

static int ev_cmp(const void *pa, const void *pb)
{
	const struct netpath_event *a = pa, *b = pb;
	int c = memcmp(a->saddr, b->saddr, 16);

	if (!c)
		c = memcmp(a->daddr, b->daddr, 16);
	if (!c)
		c = (int)a->sport - (int)b->sport;
	if (!c)
		c = (int)a->dport - (int)b->dport;
	if (!c && a->seq != b->seq)
		c = a->seq < b->seq ? -1 : 1;
	if (!c && a->ts_ns != b->ts_ns)
		c = a->ts_ns < b->ts_ns ? -1 : 1;
	return c;
}

static const char *drop_reason(const struct np_ctx *c, uint32_t reason)
{
	static char buf[64];

	return drop_reason_name(&c->reasons, reason, buf, sizeof(buf));
}

static void flow_str(const struct netpath_event *e, char *buf, size_t len)
{
	char s[64], d[64];

	net_addr_str(s, sizeof(s), e->family, e->saddr);
	net_addr_str(d, sizeof(d), e->family, e->daddr);
	snprintf(buf, len, e->family == 6 ? "[%s]:%u -> [%s]:%u" : "%s:%u -> %s:%u", s, e->sport, d,
		 e->dport);
}

static struct json_object *step_json(const struct netpath_event *e, uint64_t t0)
{
	struct json_object *s = json_object_new_object();

	json_object_object_add(s, "step", json_object_new_string(step_names[e->step]));
	json_object_object_add(s, "netns", json_object_new_uint64(e->netns));
	json_object_object_add(s, "ifindex", json_object_new_uint64(e->ifindex));
	json_object_object_add(s, "at_us", json_object_new_double((e->ts_ns - t0) / 1e3));
	return s;
}

/* One segment's steps [0, n): slow line when over the threshold. */
static void segment(const struct netpath_event *ev, size_t n, enum out_format fmt, uint64_t *slow)
{
	uint64_t total = ev[n - 1].ts_ns - ev[0].ts_ns, worst = 0;
	size_t wi = 0;
	struct json_object *obj, *steps;
	char flow[128], when[32];

	if (n < 2 || total <= (uint64_t)(slow_us * 1000))
		return;
	(*slow)++;
	for (size_t i = 1; i < n; i++)
		if (ev[i].ts_ns - ev[i - 1].ts_ns >= worst) {
			worst = ev[i].ts_ns - ev[i - 1].ts_ns;
			wi = i;
		}
	flow_str(ev, flow, sizeof(flow));
	if (fmt == OUT_TEXT) {
		clock_format_time(clock_mono_to_wall(ev[0].ts_ns), when, sizeof(when));
		printf("SLOW %s %s seq %u len %u: %.1f us;", when, flow, ev[0].seq, ev[0].len,
		       total / 1e3);
		for (size_t i = 0; i < n; i++)
			printf(" %s@%u/if%u+%.1f", step_names[ev[i].step], ev[i].netns,
			       ev[i].ifindex, (ev[i].ts_ns - ev[0].ts_ns) / 1e3);
		printf("; most: %s -> %s in netns %u (%.1f us)\n", step_names[ev[wi - 1].step],
		       step_names[ev[wi].step], ev[wi].netns, worst / 1e3);
		return;
	}
	obj = json_object_new_object();
	steps = json_object_new_array();
	json_object_object_add(obj, "type", json_object_new_string("slow"));
	json_object_object_add(obj, "flow", json_object_new_string(flow));
	json_object_object_add(obj, "seq", json_object_new_uint64(ev[0].seq));
	json_object_object_add(obj, "len", json_object_new_uint64(ev[0].len));
	json_object_object_add(obj, "total_us", json_object_new_double(total / 1e3));
	for (size_t i = 0; i < n; i++)
		json_object_array_add(steps, step_json(&ev[i], ev[0].ts_ns));
	json_object_object_add(obj, "steps", steps);
	json_object_object_add(obj, "slowest_from",
			       json_object_new_string(step_names[ev[wi - 1].step]));
	json_object_object_add(obj, "slowest_to", json_object_new_string(step_names[ev[wi].step]));
	json_object_object_add(obj, "slowest_netns", json_object_new_uint64(ev[wi].netns));
	json_object_object_add(obj, "slowest_us", json_object_new_double(worst / 1e3));
	out_json_line(stdout, obj);
}

static void drop(const struct np_ctx *c, const struct netpath_event *e, enum out_format fmt)
{
	struct json_object *obj;
	char flow[128], when[32];

	flow_str(e, flow, sizeof(flow));
	if (fmt == OUT_TEXT) {
		clock_format_time(clock_mono_to_wall(e->ts_ns), when, sizeof(when));
		printf("DROP %s %s seq %u len %u in netns %u if%u: %s\n", when, flow, e->seq,
		       e->len, e->netns, e->ifindex, drop_reason(c, e->reason));
		return;
	}
	obj = json_object_new_object();
	json_object_object_add(obj, "type", json_object_new_string("drop"));
	json_object_object_add(obj, "flow", json_object_new_string(flow));
	json_object_object_add(obj, "seq", json_object_new_uint64(e->seq));
	json_object_object_add(obj, "netns", json_object_new_uint64(e->netns));
	json_object_object_add(obj, "ifindex", json_object_new_uint64(e->ifindex));
	json_object_object_add(obj, "reason", json_object_new_string(drop_reason(c, e->reason)));
	out_json_line(stdout, obj);
}

/* Queued again where it was first queued: a retransmission, its own path. */
static bool retransmitted(const struct netpath_event *first, const struct netpath_event *e)
{
	return first->step == NP_QUEUE && e->step == NP_QUEUE && e->netns == first->netns &&
	       e->ifindex == first->ifindex;
}

/* A kfree_skb followed by more steps of the same bytes freed a copy (e.g.
 * the GSO original after NFQUEUE segmented it), it did not lose them: only
 * a final kfree_skb is a drop. Moves such steps out of [0, n) and returns
 * the new count; the moved slots get step 0. */
static size_t without_freed_copies(struct netpath_event *ev, size_t n)
{
	size_t kept = 0;

	for (size_t i = 0; i < n; i++)
		if (ev[i].step != NP_DROP || i == n - 1)
			ev[kept++] = ev[i];
	for (size_t i = kept; i < n; i++)
		ev[i].step = 0;
	return kept;
}

static void report(struct np_ctx *c, enum out_format fmt, uint64_t ring_drops)
{
	uint64_t segments = 0, slow = 0, drops = 0;
	struct json_object *obj;

	if (c->n)
		qsort(c->ev, c->n, sizeof(*c->ev), ev_cmp);
	for (size_t lo = 0, hi; lo < c->n; lo = hi) {
		for (hi = lo + 1; hi < c->n && same_segment(&c->ev[lo], &c->ev[hi]) &&
				  c->ev[hi].ts_ns - c->ev[hi - 1].ts_ns < GROUP_GAP_NS &&
				  !retransmitted(&c->ev[lo], &c->ev[hi]);
		     hi++)
			;
		segments++;
		hi = lo + without_freed_copies(&c->ev[lo], hi - lo);
		if (c->ev[hi - 1].step == NP_DROP &&
		    !strstr(drop_reason(c, c->ev[hi - 1].reason), "CONSUMED")) {
			drop(c, &c->ev[hi - 1], fmt);
			drops++;
		}
		segment(&c->ev[lo], hi - lo, fmt, &slow);
		/* skip what without_freed_copies moved past the end */
		while (hi < c->n && c->ev[hi].step == 0)
			hi++;
	}
	if (fmt == OUT_TEXT) {
		printf(
		    "%llu segments followed, %llu slower than %.0f us, %llu dropped; %llu events, "
		    "%llu not kept, %llu ring-buffer drops\n",
		    (unsigned long long)segments, (unsigned long long)slow, slow_us,
		    (unsigned long long)drops, (unsigned long long)c->n,
		    (unsigned long long)c->not_kept, (unsigned long long)ring_drops);
		return;
	}
	obj = json_object_new_object();
	json_object_object_add(obj, "type", json_object_new_string("summary"));
	json_object_object_add(obj, "segments", json_object_new_uint64(segments));
	json_object_object_add(obj, "slow", json_object_new_uint64(slow));
	json_object_object_add(obj, "drops", json_object_new_uint64(drops));
	json_object_object_add(obj, "events", json_object_new_uint64(c->n));
	json_object_object_add(obj, "not_kept", json_object_new_uint64(c->not_kept));
	json_object_object_add(obj, "ring_drops", json_object_new_uint64(ring_drops));
	out_json_line(stdout, obj);
}

static int run(struct netpath_bpf *skel, const struct common_opts *opts)
{
	struct np_ctx c = {0};
	struct evloop_stats st = {0};
	struct session s = {0};
	int err;

	drop_reasons__open(&c.reasons); /* without the enum, reasons print as numbers */
	skel->rodata->port = port_opt;
	err = session_start(&s, skel->skeleton, opts);
	if (!err)
		err = session_events(&s, on_event, &c);
	if (!err)
		err = session_run(&s, NULL, NULL);
	if (!err) {
		evloop__stats(s.loop, &st);
		report(&c, opts->format, st.drops);
	}
	session_end(&s);
	drop_reasons__close(&c.reasons);
	free(c.ev);
	return err ? 1 : 0;
}

SKEL_COMMAND(netpath, spec, run);
