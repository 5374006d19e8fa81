/* bpfscope net: payload timestamps at four responsibility boundaries on
 * this host (send syscall, tc egress, XDP/tc ingress, receive syscall).
 *
 * Local mode joins them on this host and prints host TX (1 -> 2) and host
 * RX (3 -> 4) latency per flow at exit: by default the programs join in
 * the kernel (net_agg.bpf.h, net_agg.c) and keep histograms, so no record
 * per packet crosses to user space; `--join user` (and --serve, whose live
 * view and spans need every message) ships the records and joins them here
 * (net_join.c) with exact percentiles. With --export the
 * records stream to `bpfscope collect`, which joins several hosts. One
 * agent per network namespace: sockets of other namespaces are ignored.
 *
 * tc programs attach through tcx links where the kernel has them (6.6+), else
 * as classic clsact filters (net_tc.c: removed at exit and signals, and a
 * SIGKILLed run's at the next start); XDP through an XDP link (a bpf_link:
 * nothing outlives the process). */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bpf/net.h"
#include "core/clocksync.h"
#include "core/cmd.h"
#include "core/endpoint.h"
#include "core/features.h"
#include "core/log.h"
#include "core/session.h"
#include "core/tracefs.h"
#include "net.skel.h"
#include "tools/net_agg.h"
#include "tools/net_join.h"
#include "tools/net_record.h"
#include "tools/net_report.h"
#include "tools/net_serve.h"
#include "tools/net_tc.h"
#include "core/serve.h"

#define MAX_IFACES NET_TC_MAX_IFACES

static const char *ifaces[MAX_IFACES];
static int nifaces;
static int port_opt, sample_opt = 1;
static const char *peer_opt, *export_opt, *host_opt, *ingress_opt = "auto", *join_opt;
static double slow_ms;
static bool hist_opt, series_opt;
static uint64_t max_records = 4000000;

static int parse_iface(const char *arg, void *dest)
{
	(void)dest;
	if (nifaces == MAX_IFACES) {
		log_error("at most %d interfaces", MAX_IFACES);
		return -1;
	}
	ifaces[nifaces++] = arg;
	return 0;
}

static const struct opt_def options[] = {
    {"interface", 'i', OPT_CUSTOM, NULL, "IFACE", "timestamp packets on IFACE (repeatable)", 0, 0,
     parse_iface},
    {"port", 0, OPT_INT, &port_opt, "PORT", "only flows with this port on either side", 1, 65535},
    {"peer", 0, OPT_STRING, &peer_opt, "ADDR", "only flows with this IPv4/IPv6 address"},
    {"sample", 0, OPT_INT, &sample_opt, "N", "keep 1 in N UDP datagrams / TCP flows", 1, 1e6},
    {"ingress", 0, OPT_STRING, &ingress_opt, "MODE",
     "ingress hook: auto (native XDP on a NIC, else tc), xdp (generic), xdp-native, tc"},
    {"slow", 0, OPT_DOUBLE, &slow_ms, "MS", "print messages slower than MS milliseconds", 0.001,
     1e9},
    {"hist", 0, OPT_FLAG, &hist_opt, NULL, "print log2 histograms per flow and segment"},
    {"series", 0, OPT_FLAG, &series_opt, NULL, "print the per-second time series"},
    {"export", 0, OPT_STRING, &export_opt, "ADDR:PORT",
     "stream records to bpfscope collect (or unix:PATH)"},
    {"host", 0, OPT_STRING, &host_opt, "NAME", "host name in exported records (default hostname)"},
    {"join", 0, OPT_STRING, &join_opt, "WHERE",
     "local mode: kernel (default; histograms in maps) or user (every record to user space, "
     "exact percentiles)"},
    {"max-records", 0, OPT_U64, &max_records, "N", "records kept for --join user", 1, 1e9},
    {0},
};

static const struct cmd_spec spec = {
    .name = "net",
    .summary = "one-way latency of real packets at send/egress/ingress/receive boundaries",
    .details = "Records payload bytes at the send syscall (1), tc egress (2), XDP or tc "
	       "ingress (3) and the receive syscall (4) of this network namespace, and "
	       "reports host TX (1->2) and host RX (3->4) per flow. With --export, streams "
	       "the records to `bpfscope collect`, which joins hosts into app-to-app, TX "
	       "host, network, relay and RX host latency per direction.",
    .opts = options,
    .common = COMMON_TARGET | COMMON_DURATION | COMMON_OUTPUT | COMMON_SERVE,
    .max_args = 0,
};

struct net_ctx {
	struct net_bpf *skel;
	struct clocksync clock;
	struct net_join *join;
	FILE *export;
	uint64_t not_kept; /* local mode: over --max-records */
	int links[MAX_IFACES]; /* XDP links */
	int nlinks;
	struct net_tc tc;
	bool xdp_ok; /* bpf_xdp_load_bytes (5.18+): the XDP program can load */
	int ifindex[MAX_IFACES];
	struct net_serve serve; /* --serve: records kept for the live view */
	struct net_agg *agg;	/* the kernel joins (local mode without --join user) */
};

static int on_event(void *ctx, const void *data, size_t size)
{
	const struct net_event *e = data;
	struct net_ctx *c = ctx;
	struct net_rec r = {0};
	char line[256];

	if (c->agg)
		return net_agg__on_slow(c->agg, data, size);
	if (size < sizeof(*e))
		return 0;
	r.ts = clocksync_to_wall(&c->clock, e->ts_ns);
	r.hash = e->hash;
	r.seq = e->seq;
	r.len = e->len;
	r.ifindex = e->ifindex;
	r.pid = e->pid;
	r.sport = e->sport;
	r.dport = e->dport;
	r.boundary = e->boundary;
	r.proto = e->proto;
	r.family = e->family;
	memcpy(r.saddr, e->saddr, 16);
	memcpy(r.daddr, e->daddr, 16);
	net_rec_normalize(&r);
	if (c->export) {
		net_format_rec(line, sizeof(line), &r);
		fputs(line, c->export);
	} else if (net_join__count(c->join) >= max_records || net_join__add(c->join, &r)) {
		c->not_kept++;
	} else {
		net_serve_add(&c->serve, &r);
	}
	return 0;
}

static int on_tick(void *ctx)
{
	struct net_ctx *c = ctx;

	if (!c->clock.tai)
		clocksync_refresh(&c->clock);
	if (c->agg && series_opt && net_agg__sample(c->agg))
		return -1;
	if (c->export && (fflush(c->export) || ferror(c->export))) {
		log_error("export stream broken: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int attach_tc(struct net_ctx *c, struct bpf_program *prog, int i, bool ingress)
{
	int err = net_tc_attach(&c->tc, bpf_program__fd(prog), c->ifindex[i], ifaces[i], ingress);

	if (!err)
		log_info("%s: attached via %s (%s)", bpf_program__name(prog),
			 net_tc_mechanism(&c->tc), ifaces[i]);
	return err;
}

/* Whether auto mode tries native XDP on this interface: only on a physical
 * NIC (ethtool reports a bus), whose driver runs XDP before building the
 * skb. Not veth or tun (their XDP copies each GSO skb), not virtio_net
 * (attaching XDP turns the VM's receive offloads off), not lo, bridges or
 * other bus-less devices. The reason goes to *why. */
static bool native_xdp_candidate(const char *ifname, const char **why)
{
	struct ethtool_drvinfo info = {.cmd = ETHTOOL_GDRVINFO};
	struct ifreq ifr = {.ifr_data = (void *)&info};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool ok = false;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	*why = "no driver information";
	if (fd >= 0 && ioctl(fd, SIOCETHTOOL, &ifr) == 0) {
		if (!info.bus_info[0])
			*why = "a virtual device";
		else if (!strcmp(info.driver, "virtio_net"))
			*why = "virtio_net (XDP would turn the VM's receive offloads off)";
		else
			ok = true;
	}
	if (fd >= 0)
		close(fd);
	return ok;
}

/* Whether some interface will get the XDP program (attach_ingress). */
static bool xdp_wanted(void)
{
	const char *why;

	if (!strncmp(ingress_opt, "xdp", 3))
		return true;
	for (int i = 0; i < nifaces && !strcmp(ingress_opt, "auto"); i++)
		if (native_xdp_candidate(ifaces[i], &why))
			return true;
	return false;
}

static int attach_xdp(struct net_ctx *c, int i, __u32 flags)
{
	struct bpf_link_create_opts lopts = {.sz = sizeof(lopts), .flags = flags};
	int fd = bpf_link_create(bpf_program__fd(c->skel->progs.net_xdp_ingress), c->ifindex[i],
				 BPF_XDP, &lopts);

	if (fd < 0)
		return -errno;
	c->links[c->nlinks++] = fd;
	log_info("net_xdp_ingress: attached via %s (%s)",
		 flags == XDP_FLAGS_SKB_MODE ? "xdp_generic" : "xdp_native", ifaces[i]);
	return 0;
}

/* auto: native XDP on a physical NIC (native_xdp_candidate), else tc
 * ingress. Not generic XDP: it runs on an skb already built and first copies
 * every GSO packet into a linear buffer, which bench/net.sh measured as the
 * largest cost of tracing TCP (veth's driver-mode XDP is worse still); tc
 * ingress sits at the same point of the receive path without the copy. xdp
 * and xdp-native force one XDP mode; tc forces tc. */
static int attach_ingress(struct net_ctx *c, int i)
{
	const char *why;
	int err;

	if (!strcmp(ingress_opt, "xdp") || !strcmp(ingress_opt, "xdp-native")) {
		err = attach_xdp(c, i, strcmp(ingress_opt, "xdp") ? XDP_FLAGS_DRV_MODE
								   : XDP_FLAGS_SKB_MODE);
		if (err)
			log_error("cannot attach XDP to %s: %s", ifaces[i], strerror(-err));
		return err;
	}
	if (strcmp(ingress_opt, "auto") || !c->xdp_ok) {
		why = !c->xdp_ok ? "no bpf_xdp_load_bytes" : "--ingress tc";
	} else if (native_xdp_candidate(ifaces[i], &why)) {
		err = attach_xdp(c, i, XDP_FLAGS_DRV_MODE);
		if (!err)
			return 0;
		if (err == -EBUSY || err == -EEXIST)
			log_warn("XDP on %s is taken (%s); using tc ingress", ifaces[i],
				 strerror(-err));
		why = strerror(-err);
	}
	log_info("tc ingress on %s (%s)", ifaces[i], why);
	return attach_tc(c, c->skel->progs.net_tc_ingress, i, true);
}

/* tc egress on every interface, and the chosen ingress hook. */
static int attach_ifaces(void *ctx)
{
	struct net_ctx *c = ctx;
	int err;

	for (int i = 0; i < nifaces; i++) {
		err = attach_tc(c, c->skel->progs.net_tc_egress, i, false);
		if (!err)
			err = attach_ingress(c, i);
		if (err)
			return err;
	}
	return 0;
}

/* The syscall programs come in two sets (net.bpf.c): direct (BTF pointers,
 * task storage; needs bpf_rdonly_cast, 6.2+) and compat (CO-RE reads, an LRU
 * hash). Only one set loads, and only its per-thread map is created. */
static void choose_syscall_programs(struct net_bpf *skel)
{
	bool direct = feature_has(FEAT_RDONLY_CAST) && feature_has(FEAT_TASK_STORAGE);
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, skel->obj) {
		const char *sec = bpf_program__section_name(prog);
		size_t len = strlen(bpf_program__name(prog));
		bool is_direct = len > 2 && !strcmp(bpf_program__name(prog) + len - 2, "_d");

		if (!strncmp(sec, "tp/syscalls/", 12) && is_direct != direct)
			bpf_program__set_autoload(prog, false);
	}
	skel->rodata->compat_thread_hash = !direct;
	bpf_map__set_autocreate(direct ? skel->maps.calls_by_thread : skel->maps.calls, false);
	log_info("net: %s syscall programs", direct ? "direct (BTF)" : "compat (CO-RE reads)");
}

/* Where local mode joins (see the top). publishing: --serve or --otlp, whose live view and spans need every
 * message (serve_start runs later, at load). */
static int choose_join(struct net_bpf *skel, bool publishing)
{
	bool kernel;

	if (join_opt && strcmp(join_opt, "kernel") && strcmp(join_opt, "user")) {
		log_error("--join must be kernel or user, not '%s'", join_opt);
		return -EINVAL;
	}
	if (join_opt && export_opt) {
		log_error("--join is for local mode; with --export, bpfscope collect joins");
		return -EINVAL;
	}
	if (join_opt && !strcmp(join_opt, "kernel") && publishing) {
		log_error("--serve and --otlp need every message: use --join user (their default)");
		return -EINVAL;
	}
	kernel = !export_opt && !publishing &&
		 !(join_opt && !strcmp(join_opt, "user"));
	skel->rodata->agg = kernel;
	skel->rodata->slow_ns = (uint64_t)(slow_ms * 1e6);
	/* Unused, the join's maps still exist (one entry each): kernels before
	 * 6.8 verify the join's global functions even when no program calls
	 * them. */
	if (!kernel && (bpf_map__set_max_entries(skel->maps.flow_stats, 1) ||
			bpf_map__set_max_entries(skel->maps.tcp_tx, 1) ||
			bpf_map__set_max_entries(skel->maps.tcp_rx, 1) ||
			bpf_map__set_max_entries(skel->maps.udp_slots, 1))) {
		log_error("cannot size the kernel join's maps");
		return -EINVAL;
	}
	if (!export_opt)
		log_info("net: joined %s", kernel ? "in the kernel" : "in user space");
	return 0;
}

static int configure(struct net_ctx *c, const struct common_opts *opts)
{
	struct net_bpf *skel = c->skel;
	struct stat st;
	int err;

	if (!nifaces) {
		log_error("need at least one -i IFACE");
		return -EINVAL;
	}
	if (strcmp(ingress_opt, "auto") && strcmp(ingress_opt, "xdp") &&
	    strcmp(ingress_opt, "xdp-native") && strcmp(ingress_opt, "tc")) {
		log_error("--ingress must be auto, xdp, xdp-native or tc, not '%s'", ingress_opt);
		return -EINVAL;
	}
	for (int i = 0; i < nifaces; i++)
		if (!(c->ifindex[i] = if_nametoindex(ifaces[i]))) {
			log_error("no interface '%s' in this network namespace", ifaces[i]);
			return -ENODEV;
		}
	if (peer_opt) {
		uint8_t *a = (uint8_t *)skel->rodata->peer_addr;

		if (inet_pton(AF_INET, peer_opt, a) == 1)
			skel->rodata->peer_family = 4;
		else if (inet_pton(AF_INET6, peer_opt, a) == 1)
			skel->rodata->peer_family = 6;
		else {
			log_error("--peer: '%s' is not an IPv4 or IPv6 address", peer_opt);
			return -EINVAL;
		}
	}
	if (stat("/proc/self/ns/net", &st)) {
		log_error("cannot read /proc/self/ns/net: %s", strerror(errno));
		return -errno;
	}
	/* `ip netns exec` gives a fresh /sys without tracefs; the syscall
	 * tracepoints need it (mounted here when missing). */
	if (!tracefs_root()) {
		log_error("tracefs is not mounted and cannot be mounted");
		return -ENOENT;
	}
	choose_syscall_programs(skel);
	if ((err = choose_join(skel, opts->serve || opts->otlp)))
		return err;
	skel->rodata->netns_ino = st.st_ino;
	skel->rodata->tai = feature_has(FEAT_KTIME_TAI);
	skel->rodata->port = port_opt;
	skel->rodata->sample = sample_opt;
	bpf_program__set_autoattach(skel->progs.net_tc_egress, false);
	bpf_program__set_autoattach(skel->progs.net_tc_ingress, false);
	bpf_program__set_autoattach(skel->progs.net_xdp_ingress, false);
	net_tc_init(&c->tc);
	/* The XDP program reads the payload head with bpf_xdp_load_bytes
	 * (5.18+); before it, ingress is tc. */
	c->xdp_ok = feature_has(FEAT_XDP_LOAD_BYTES);
	if (!c->xdp_ok && strncmp(ingress_opt, "xdp", 3) == 0) {
		log_error("--ingress %s needs bpf_xdp_load_bytes (Linux 5.18+); use --ingress tc",
			  ingress_opt);
		return -ENOTSUP;
	}
	if (!c->xdp_ok || !xdp_wanted())
		bpf_program__set_autoload(skel->progs.net_xdp_ingress, false);
	if (!strncmp(ingress_opt, "xdp", 3))
		bpf_program__set_autoload(skel->progs.net_tc_ingress, false);
	clocksync_init(&c->clock, skel->rodata->tai);
	return 0;
}

/* The collector's own TCP port is excluded from tracing so the export does
 * not trace itself. */
static int connect_export(struct net_bpf *skel, const char *spec_addr)
{
	struct endpoint ep;
	int fd = endpoint_connect(spec_addr, "--export", &ep);

	skel->rodata->skip_port = ep.port;
	return fd;
}

/* --host or the host name, made safe for the line format. */
static void host_name(char *buf, size_t len)
{
	memset(buf, 0, len);
	if (host_opt)
		snprintf(buf, len, "%s", host_opt);
	else if (gethostname(buf, len - 1))
		snprintf(buf, len, "localhost");
	for (char *p = buf; *p; p++)
		if (*p <= ' ' || *p > '~')
			*p = '_';
}

static int open_export(struct net_ctx *c)
{
	struct net_hello h = {0};
	char line[256];
	int fd = connect_export(c->skel, export_opt);

	if (fd < 0)
		return -1;
	c->export = fdopen(fd, "w");
	if (!c->export) {
		close(fd);
		return -1;
	}
	setvbuf(c->export, NULL, _IOFBF, 1 << 20);
	signal(SIGPIPE, SIG_IGN); /* a closed collector is an error, not a kill */
	host_name(h.host, sizeof(h.host));
	snprintf(h.clock, sizeof(h.clock), "%s", clocksync_source(&c->clock));
	h.tai_offset_s = c->clock.tai_offset_s;
	h.synced = c->clock.synced;
	h.maxerror_us = c->clock.maxerror_us;
	h.esterror_us = c->clock.esterror_us;
	net_format_hello(line, sizeof(line), &h);
	fputs(line, c->export);
	return 0;
}

static void clock_note(const struct clocksync *cs, char *buf, size_t len)
{
	if (cs->synced)
		snprintf(buf, len, "clock: %s, synchronised, error bound est %lld us, max %lld us",
			 clocksync_source(cs), (long long)cs->esterror_us,
			 (long long)cs->maxerror_us);
	else
		snprintf(buf, len, "clock: %s, NOT synchronised (adjtimex), error bound unknown",
			 clocksync_source(cs));
}

/* Datagrams past the kernel's bounded loops (sendmmsg/recvmmsg, GSO). */
static uint64_t uncovered(struct net_ctx *c)
{
	uint64_t n = 0;
	__u32 zero = 0;

	bpf_map_lookup_elem(bpf_map__fd(c->skel->maps.uncovered), &zero, &n);
	return n;
}

static void finish(struct net_ctx *c, struct session *s, const struct common_opts *opts)
{
	struct evloop_stats st = {0};
	struct net_stats ns;
	char line[256], note[160];

	if (s->loop)
		evloop__stats(s->loop, &st);
	if (c->export) {
		ns = (struct net_stats){st.submitted, st.drops, st.errors, st.misses, uncovered(c)};
		net_format_stats(line, sizeof(line), &ns);
		fputs(line, c->export);
		fflush(c->export);
		return;
	}
	clock_note(&c->clock, note, sizeof(note));
	if (c->agg) {
		net_agg__print(stdout, c->agg,
			       &(struct net_report_opts){opts->format, (uint64_t)(slow_ms * 1e6),
							 hist_opt, series_opt, note, uncovered(c)},
			       st.drops);
		return;
	}
	if (net_join__run(c->join, 0)) {
		log_error("out of memory joining %zu records", net_join__count(c->join));
		return;
	}
	net_serve_spans(c->join);
	net_report_print(stdout, c->join,
			 &(struct net_report_opts){opts->format, (uint64_t)(slow_ms * 1e6),
						   hist_opt, series_opt, note, uncovered(c)},
			 st.drops);
	if (c->not_kept)
		log_warn("%llu records over --max-records were not joined",
			 (unsigned long long)c->not_kept);
}

static int run(const struct common_opts *opts, int argc, char **argv)
{
	struct net_ctx c = {.skel = net_bpf__open()};
	struct common_opts run_opts = *opts;
	struct session s = {0};
	int err;

	(void)argc;
	(void)argv;
	if (!c.skel) {
		log_error("cannot open BPF object");
		return 1;
	}
	run_opts.interval = 1; /* clock refresh and export flush */
	err = configure(&c, opts);
	if (!err && export_opt)
		err = open_export(&c);
	if (!err && !export_opt) {
		char name[NET_HOST_MAX];

		host_name(name, sizeof(name));
		if (!(c.join = net_join__new()) || net_join__host(c.join, name) != 0)
			err = -ENOMEM;
	}
	if (!err)
		err = session_start_attach(&s, c.skel->skeleton, &run_opts, attach_ifaces, &c);
	if (!err && !export_opt && c.skel->rodata->agg &&
	    !(c.agg = net_agg__new(bpf_map__fd(c.skel->maps.flow_stats),
				   bpf_map__fd(c.skel->maps.agg_counts), c.join, &c.clock)))
		err = -ENOMEM;
	if (!err)
		err = session_events(&s, on_event, &c);
	if (!err && serve_metrics_on() && c.join) {
		char name[NET_HOST_MAX];

		host_name(name, sizeof(name));
		c.serve = (struct net_serve){.max = max_records, .host = strdup(name)};
		err = serve_add_publisher(net_serve_publish, &c.serve);
	}
	if (!err)
		err = session_run(&s, on_tick, &c);
	if (!err)
		finish(&c, &s, opts);
	session_end(&s);
	for (int i = 0; i < c.nlinks; i++)
		close(c.links[i]);
	net_tc_detach(&c.tc);
	if (c.export)
		fclose(c.export);
	net_agg__free(c.agg);
	net_join__free(c.join);
	free((char *)c.serve.host);
	net_serve_free(&c.serve);
	net_bpf__destroy(c.skel);
	return err ? 1 : 0;
}

static const struct command cmd_net = {&spec, run, true};
REGISTER_COMMAND(cmd_net);
