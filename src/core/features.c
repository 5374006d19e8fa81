/* Kernel feature probes.
 *
 * Each probe answers with what the kernel really does, not what its version
 * suggests: fentry may exist in BTF yet fail with EPERM at load (as on the
 * development machine), kprobes may be compiled out while uprobes work. A
 * probe loads (and where it matters attaches) a two-instruction program and
 * records the errno as the detail. Results are cached for the process. */
#include "core/features.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/output.h"
#include "core/tracefs.h"
#include "core/uprobe_multi.h"

/* Attach types newer than the uapi headers Debian 12 builds with. */
#define ATTACH_TRACE_KPROBE_MULTI 42
#define ATTACH_TRACE_UPROBE_MULTI UPROBE_MULTI_ATTACH_TYPE
#define HELPER_KTIME_GET_TAI_NS 208
#define ATTACH_TCX_INGRESS 46 /* BPF_TCX_INGRESS, Linux 6.6 */

struct feature_state {
	bool probed, present;
	char detail[96];
};

static struct feature_state states[FEAT__COUNT];

static const char *const names[FEAT__COUNT] = {
	[FEAT_BTF] = "btf",
	[FEAT_RINGBUF] = "ringbuf",
	[FEAT_TRACEPOINT] = "tracepoint",
	[FEAT_RAW_TP] = "raw_tp",
	[FEAT_TP_BTF] = "tp_btf",
	[FEAT_FENTRY] = "fentry",
	[FEAT_KPROBE] = "kprobe",
	[FEAT_KPROBE_MULTI] = "kprobe_multi",
	[FEAT_UPROBE] = "uprobe",
	[FEAT_UPROBE_MULTI] = "uprobe_multi",
	[FEAT_PERF_EVENT] = "perf_event",
	[FEAT_BPF_COOKIE] = "bpf_cookie",
	[FEAT_KTIME_TAI] = "ktime_get_tai_ns",
	[FEAT_TASK_STORAGE] = "task_storage",
	[FEAT_BPF_LOOP] = "bpf_loop",
	[FEAT_TCX] = "tcx",
	[FEAT_RDONLY_CAST] = "rdonly_cast",
	[FEAT_XDP_LOAD_BYTES] = "xdp_load_bytes",
	[FEAT_FIND_VMA] = "find_vma",
};

static const struct bpf_insn ret0[] = {
	{ .code = 0xb7, .dst_reg = 0, .imm = 0 }, /* r0 = 0 */
	{ .code = 0x95 },			  /* exit */
};

static bool say(struct feature_state *st, bool ok, const char *fmt, const char *arg)
{
	snprintf(st->detail, sizeof(st->detail), fmt, arg);
	return ok;
}

static int load_prog(enum bpf_prog_type type, enum bpf_attach_type attach, __u32 btf_id)
{
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = attach,
		    .attach_btf_id = btf_id);
	int fd = bpf_prog_load(type, NULL, "GPL", ret0, 2, &opts);

	return fd < 0 ? -errno : fd;
}

static __s32 vmlinux_btf_id(const char *name, __u32 kind)
{
	struct btf *btf = btf__load_vmlinux_btf();
	__s32 id;

	if (!btf)
		return -ENOENT;
	id = btf__find_by_name_kind(btf, name, kind);
	btf__free(btf);
	return id;
}

/* Loads a BTF-attached tracing program and attaches it; both steps can fail
 * independently (fentry: EPERM at load here). */
static bool probe_tracing(struct feature_state *st, enum bpf_attach_type attach,
			  const char *target, __u32 kind)
{
	__s32 id = vmlinux_btf_id(target, kind);
	int fd, link;

	if (id < 0)
		return say(st, false, "no BTF for %s", target);
	fd = load_prog(BPF_PROG_TYPE_TRACING, attach, id);
	if (fd < 0)
		return say(st, false, "load failed: %s", strerror(-fd));
	link = bpf_raw_tracepoint_open(NULL, fd);
	if (link < 0) {
		say(st, false, "attach failed: %s", strerror(errno));
		close(fd);
		return false;
	}
	close(link);
	close(fd);
	return say(st, true, "attached to %s", target);
}

static bool probe_pmu(struct feature_state *st, const char *pmu)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/bus/event_source/devices/%s/type", pmu);
	if (access(path, F_OK))
		return say(st, false, "no %s PMU (not compiled into the kernel)", pmu);
	return say(st, true, "%s PMU present", pmu);
}

static bool probe_kprobe_multi(struct feature_state *st)
{
	LIBBPF_OPTS(bpf_link_create_opts, lopts);
	const char *sym = "vfs_read";
	int fd, link;

	if (!feature_has(FEAT_KPROBE))
		return say(st, false, "%s", "no kprobes");
	fd = load_prog(BPF_PROG_TYPE_KPROBE, ATTACH_TRACE_KPROBE_MULTI, 0);
	if (fd < 0)
		return say(st, false, "load failed: %s", strerror(-fd));
	lopts.kprobe_multi.syms = &sym;
	lopts.kprobe_multi.cnt = 1;
	link = bpf_link_create(fd, 0, ATTACH_TRACE_KPROBE_MULTI, &lopts);
	if (link < 0)
		say(st, false, "attach failed: %s", strerror(errno));
	else
		close(link);
	close(fd);
	return link >= 0 ? say(st, true, "%s", "attached to vfs_read") : false;
}

/* As libbpf does: a uprobe_multi link on "/" fails with EBADF only on
 * kernels that implement it. */
static bool probe_uprobe_multi(struct feature_state *st)
{
	uint64_t offset = 0;
	int fd, link;

	fd = load_prog(BPF_PROG_TYPE_KPROBE, ATTACH_TRACE_UPROBE_MULTI, 0);
	if (fd < 0)
		return say(st, false, "load failed: %s", strerror(-fd));
	link = uprobe_multi_attach_fd(fd, "/", &offset, NULL, 1, 0, false);
	if (link >= 0)
		close(link);
	close(fd);
	if (link == -EBADF)
		return say(st, true, "%s", "link_create understood");
	return say(st, false, "link_create: %s", strerror(link < 0 ? -link : 0));
}

static bool probe_helper(struct feature_state *st, enum bpf_prog_type type, int helper,
			 const char *name)
{
	int ret = libbpf_probe_bpf_helper(type, helper, NULL);

	return say(st, ret == 1, ret == 1 ? "helper %s available" : "helper %s missing", name);
}

static bool probe_map(struct feature_state *st, enum bpf_map_type type, const char *name)
{
	int ret = libbpf_probe_bpf_map_type(type, NULL);

	return say(st, ret == 1, ret == 1 ? "%s map loads" : "%s map rejected", name);
}

static bool probe_prog_type(struct feature_state *st, enum bpf_prog_type type, const char *name)
{
	int ret = libbpf_probe_bpf_prog_type(type, NULL);

	return say(st, ret == 1, ret == 1 ? "%s programs load" : "%s programs rejected", name);
}

static bool probe_tracepoint(struct feature_state *st)
{
	if (!tracefs_root())
		return say(st, false, "%s", "tracefs not mounted and cannot be mounted");
	return probe_prog_type(st, BPF_PROG_TYPE_TRACEPOINT, "tracepoint");
}

/* tcx links (6.6+): link_create of a tc program for BPF_TCX_INGRESS on
 * ifindex 0 fails with ENODEV where tcx exists (the device lookup comes
 * after the attach type is understood) and EINVAL before it. Nothing is
 * attached either way. */
static bool probe_tcx(struct feature_state *st)
{
	int fd = load_prog(BPF_PROG_TYPE_SCHED_CLS, 0, 0), link;

	if (fd < 0)
		return say(st, false, "tc program load failed: %s", strerror(-fd));
	link = bpf_link_create(fd, 0, ATTACH_TCX_INGRESS, NULL);
	if (link >= 0)
		close(link);
	else
		link = -errno;
	close(fd);
	if (link == -ENODEV)
		return say(st, true, "%s", "tcx link_create understood");
	return say(st, false, "tcx link_create: %s", strerror(link < 0 ? -link : 0));
}

/* The kfunc bpf_rdonly_cast (6.2+), called from a tracepoint program as
 * net's direct syscall programs do: present in BTF is not enough, the
 * program type must be allowed to call it. */
static bool probe_rdonly_cast(struct feature_state *st)
{
	struct btf *btf = btf__load_vmlinux_btf();
	__s32 func = btf ? btf__find_by_name_kind(btf, "bpf_rdonly_cast", BTF_KIND_FUNC) : -1;
	__s32 task = btf ? btf__find_by_name_kind(btf, "task_struct", BTF_KIND_STRUCT) : -1;
	const struct bpf_insn insns[] = {
		{ .code = 0xb7, .dst_reg = 1, .imm = 0 },	/* r1 = 0 */
		{ .code = 0xb7, .dst_reg = 2, .imm = task },	/* r2 = btf id */
		{ .code = 0x85, .src_reg = 2, .imm = func },	/* call kfunc */
		{ .code = 0xb7, .dst_reg = 0, .imm = 0 },	/* r0 = 0 */
		{ .code = 0x95 },				/* exit */
	};
	int fd;

	btf__free(btf);
	if (func < 0 || task < 0)
		return say(st, false, "%s", "no bpf_rdonly_cast in kernel BTF");
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACEPOINT, NULL, "GPL", insns,
			   sizeof(insns) / sizeof(insns[0]), NULL);
	if (fd < 0)
		return say(st, false, "tracepoint program calling it rejected: %s", strerror(errno));
	close(fd);
	return say(st, true, "%s", "kfunc callable from tracepoint programs");
}

static bool probe_one(enum feature f, struct feature_state *st)
{
	switch (f) {
	case FEAT_BTF:
		return access("/sys/kernel/btf/vmlinux", R_OK)
			       ? say(st, false, "%s", "no /sys/kernel/btf/vmlinux (use --btf)")
			       : say(st, true, "%s", "/sys/kernel/btf/vmlinux");
	case FEAT_RINGBUF: return probe_map(st, BPF_MAP_TYPE_RINGBUF, "ringbuf");
	case FEAT_TRACEPOINT: return probe_tracepoint(st);
	case FEAT_RAW_TP: return probe_prog_type(st, BPF_PROG_TYPE_RAW_TRACEPOINT, "raw_tp");
	case FEAT_TP_BTF:
		return probe_tracing(st, BPF_TRACE_RAW_TP, "btf_trace_sched_switch", BTF_KIND_TYPEDEF);
	case FEAT_FENTRY: return probe_tracing(st, BPF_TRACE_FENTRY, "vfs_read", BTF_KIND_FUNC);
	case FEAT_KPROBE: return probe_pmu(st, "kprobe");
	case FEAT_KPROBE_MULTI: return probe_kprobe_multi(st);
	case FEAT_UPROBE: return probe_pmu(st, "uprobe");
	case FEAT_UPROBE_MULTI: return probe_uprobe_multi(st);
	case FEAT_PERF_EVENT: return probe_prog_type(st, BPF_PROG_TYPE_PERF_EVENT, "perf_event");
	case FEAT_BPF_COOKIE:
		return probe_helper(st, BPF_PROG_TYPE_KPROBE, BPF_FUNC_get_attach_cookie,
				    "get_attach_cookie");
	case FEAT_KTIME_TAI:
		return probe_helper(st, BPF_PROG_TYPE_KPROBE, HELPER_KTIME_GET_TAI_NS,
				    "ktime_get_tai_ns");
	case FEAT_TASK_STORAGE: return probe_map(st, BPF_MAP_TYPE_TASK_STORAGE, "task_storage");
	case FEAT_BPF_LOOP: return probe_helper(st, BPF_PROG_TYPE_KPROBE, BPF_FUNC_loop, "loop");
	case FEAT_TCX: return probe_tcx(st);
	case FEAT_RDONLY_CAST: return probe_rdonly_cast(st);
	case FEAT_XDP_LOAD_BYTES:
		return probe_helper(st, BPF_PROG_TYPE_XDP, BPF_FUNC_xdp_load_bytes, "xdp_load_bytes");
	case FEAT_FIND_VMA:
		return probe_helper(st, BPF_PROG_TYPE_TRACEPOINT, BPF_FUNC_find_vma, "find_vma");
	default: return false;
	}
}

/* BPFSCOPE_DISABLE_FEATURES=tp_btf,fentry makes those features count as
 * missing, so the fallback paths can be exercised (and compared with the
 * preferred ones) on kernels that have everything. */
static bool disabled_by_env(enum feature f, struct feature_state *st)
{
	const char *list = getenv("BPFSCOPE_DISABLE_FEATURES");
	size_t len = strlen(names[f]);

	for (const char *p = list; p && *p; p += strcspn(p, ","), p += *p == ',')
		if (!strncmp(p, names[f], len) && (p[len] == ',' || !p[len]))
			return !say(st, false, "%s", "disabled by BPFSCOPE_DISABLE_FEATURES");
	return false;
}

bool feature_has(enum feature f)
{
	struct feature_state *st;

	if (f < 0 || f >= FEAT__COUNT)
		return false;
	st = &states[f];
	if (!st->probed) {
		st->probed = true;
		st->present = !disabled_by_env(f, st) && probe_one(f, st);
	}
	return st->present;
}

const char *feature_name(enum feature f)
{
	return f >= 0 && f < FEAT__COUNT ? names[f] : "?";
}

const char *feature_detail(enum feature f)
{
	feature_has(f);
	return f >= 0 && f < FEAT__COUNT ? states[f].detail : "";
}

/* json-c escapes the detail (it holds strerror text and paths) */
static void print_json(FILE *out, int f, bool has)
{
	struct json_object *obj = json_object_new_object();

	json_object_object_add(obj, "feature", json_object_new_string(names[f]));
	json_object_object_add(obj, "available", json_object_new_boolean(has));
	json_object_object_add(obj, "detail", json_object_new_string(states[f].detail));
	out_json_line(out, obj);
}

void features_print(FILE *out, bool json)
{
	if (!json)
		fprintf(out, "%-18s %-5s %s\n", "FEATURE", "AVAIL", "DETAIL");
	for (int f = 0; f < FEAT__COUNT; f++) {
		bool has = feature_has(f);

		if (json)
			print_json(out, f, has);
		else
			fprintf(out, "%-18s %-5s %s\n", names[f], has ? "yes" : "no", states[f].detail);
	}
}
