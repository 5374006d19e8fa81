/* See loader.h for the variant naming rule. */
#include "core/loader.h"

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/features.h"
#include "core/log.h"
#include "core/tracefs.h"

/* Mechanisms in order of preference: more capable first. */
enum mech { MECH_FENTRY, MECH_KPROBE, MECH_TP_BTF, MECH_RAW_TP, MECH_TRACEPOINT, MECH_OTHER };

static const struct {
	const char *prefix;
	enum mech mech;
	enum feature feature;
	const char *name;
} sections[] = {
	{ "fentry/", MECH_FENTRY, FEAT_FENTRY, "fentry" },
	{ "fexit/", MECH_FENTRY, FEAT_FENTRY, "fentry" },
	{ "kprobe/", MECH_KPROBE, FEAT_KPROBE, "kprobe" },
	{ "kretprobe/", MECH_KPROBE, FEAT_KPROBE, "kprobe" },
	{ "tp_btf/", MECH_TP_BTF, FEAT_TP_BTF, "tp_btf" },
	{ "raw_tp/", MECH_RAW_TP, FEAT_RAW_TP, "raw_tp" },
	{ "raw_tracepoint/", MECH_RAW_TP, FEAT_RAW_TP, "raw_tp" },
	{ "tp/", MECH_TRACEPOINT, FEAT_TRACEPOINT, "tracepoint" },
	{ "tracepoint/", MECH_TRACEPOINT, FEAT_TRACEPOINT, "tracepoint" },
};

/* The tail of libbpf's output, kept to summarise a failed load. */
static char captured[16384];
static size_t captured_len;

static void capture(const char *text, size_t len)
{
	if (len >= sizeof(captured)) { /* keep the end: the verifier's complaint */
		text += len - (sizeof(captured) - 1);
		len = sizeof(captured) - 1;
	}
	if (captured_len + len >= sizeof(captured)) {
		/* drop the oldest bytes, not everything: libbpf's lines after a
		 * long verifier log must not push the log's end marker out */
		size_t drop = captured_len + len - (sizeof(captured) - 1);

		memmove(captured, captured + drop, captured_len - drop);
		captured_len -= drop;
	}
	memcpy(captured + captured_len, text, len);
	captured_len += len;
	captured[captured_len] = 0;
}

/* libbpf prints a whole verifier log in one call: format it without a
 * length limit, or the verifier's last line (what went wrong) is lost. */
static int print_fn(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char *text = NULL;
	int n = vasprintf(&text, fmt, ap);

	if (n <= 0) {
		free(text);
		return 0;
	}
	capture(text, (size_t)n);
	if (log_verbosity >= 2 || (log_verbosity >= 1 && level == LIBBPF_WARN))
		fputs(text, stderr);
	free(text);
	return 0;
}

void loader_init(void)
{
	libbpf_set_print(print_fn);
}

static int find_section(const struct bpf_program *prog)
{
	const char *sec = bpf_program__section_name(prog);

	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		if (!strncmp(sec, sections[i].prefix, strlen(sections[i].prefix)))
			return (int)i;
	return -1;
}

const char *loader_mechanism(const struct bpf_program *prog)
{
	int i = find_section(prog);

	return i < 0 ? bpf_program__section_name(prog) : sections[i].name;
}

static bool btf_has(const char *name, __u32 kind)
{
	static struct btf *vmlinux;

	if (!vmlinux)
		vmlinux = btf__load_vmlinux_btf();
	return vmlinux && btf__find_by_name_kind(vmlinux, name, kind) > 0;
}

/* Does the thing this program attaches to exist on this kernel? */
static bool target_exists(const struct bpf_program *prog, int si)
{
	const char *target = bpf_program__section_name(prog) + strlen(sections[si].prefix);
	char buf[256], *slash;

	switch (sections[si].mech) {
	case MECH_TP_BTF:
	case MECH_RAW_TP:
		snprintf(buf, sizeof(buf), "btf_trace_%s", target);
		return !feature_has(FEAT_BTF) || btf_has(buf, BTF_KIND_TYPEDEF);
	case MECH_TRACEPOINT:
		snprintf(buf, sizeof(buf), "%s", target);
		slash = strchr(buf, '/');
		if (!slash)
			return false;
		*slash = 0;
		return tracefs_event_exists(buf, slash + 1);
	case MECH_FENTRY:
		return btf_has(target, BTF_KIND_FUNC);
	case MECH_KPROBE: /* without kernel BTF, attaching is the only test */
		return !feature_has(FEAT_BTF) || btf_has(target, BTF_KIND_FUNC);
	default:
		return true;
	}
}

static bool usable(const struct bpf_program *prog)
{
	int si = find_section(prog);

	if (si < 0)
		return true;
	return feature_has(sections[si].feature) && target_exists(prog, si);
}

static size_t handler_len(const char *name)
{
	const char *sep = strstr(name, "__");

	return sep ? (size_t)(sep - name) : 0;
}

static int rank(const struct bpf_program *prog)
{
	int si = find_section(prog);

	return si < 0 ? MECH_OTHER : (int)sections[si].mech;
}

static bool same_handler(const struct bpf_program *p, const char *name, size_t len)
{
	const char *pn = bpf_program__name(p);

	return handler_len(pn) == len && !strncmp(pn, name, len);
}

/* "optional" in the handler (io_start_optional__tp_btf: the whole handler
 * may be missing) or in the variant (open__open_enter_optional) */
static bool is_optional(const struct bpf_program *p)
{
	return strstr(bpf_program__name(p), "optional") != NULL;
}

/* A mechanism serves a handler when every one of the handler's programs of
 * that mechanism can attach, "optional" ones excepted, and at least one can. */
static bool mech_serves(struct bpf_object *obj, const char *name, size_t len, int mech)
{
	struct bpf_program *p;
	int attachable = 0;

	bpf_object__for_each_program(p, obj) {
		if (!same_handler(p, name, len) || rank(p) != mech)
			continue;
		if (usable(p))
			attachable++;
		else if (!is_optional(p))
			return false;
	}
	return attachable > 0;
}

/* Keeps the programs of the best mechanism that serves the handler prog
 * belongs to (one fexit program, or the enter/exit tracepoint programs that
 * do the same job together). */
static int choose_variant(struct bpf_object *obj, const struct bpf_program *first)
{
	const char *name = bpf_program__name(first);
	size_t len = handler_len(name);
	struct bpf_program *p;
	bool all_optional = true;
	int best = -1;

	bpf_object__for_each_program(p, obj) {
		if (!same_handler(p, name, len))
			continue;
		all_optional = all_optional && is_optional(p);
		if ((best < 0 || rank(p) < best) && mech_serves(obj, name, len, rank(p)))
			best = rank(p);
	}
	bpf_object__for_each_program(p, obj)
		if (same_handler(p, name, len))
			bpf_program__set_autoload(p, rank(p) == best && usable(p));
	if (best < 0 && all_optional) {
		log_info("'%.*s' has no target on this kernel; skipped", (int)len, name);
		return 0;
	}
	if (best < 0) {
		log_error("no way to attach '%.*s' on this kernel (see 'bpfscope features')", (int)len,
			  name);
		return -ENOTSUP;
	}
	return 0;
}

static int choose_variants(struct bpf_object *obj)
{
	struct bpf_program *p, *q;
	int err;

	bpf_object__for_each_program(p, obj) {
		size_t len = handler_len(bpf_program__name(p));
		bool seen = false;

		if (!len)
			continue;
		bpf_object__for_each_program(q, obj) {
			if (q == p)
				break;
			if (handler_len(bpf_program__name(q)) == len &&
			    !strncmp(bpf_program__name(q), bpf_program__name(p), len))
				seen = true;
		}
		if (!seen && (err = choose_variant(obj, p)))
			return err;
	}
	return 0;
}

/* The verifier's last complaint: the last line before libbpf's end marker
 * that is not a statistics line. */
static void summarize_failure(char *out, size_t len)
{
	char *end = strstr(captured, "-- END PROG LOAD LOG --");
	char *line = NULL, *p;

	if (!end)
		end = captured + captured_len;
	*end = 0;
	while (end > captured && (end[-1] == '\n' || end[-1] == ' '))
		*--end = 0;
	for (p = end; p > captured; p--) {
		if (p[-1] != '\n')
			continue;
		if (strncmp(p, "processed ", 10) && strncmp(p, "verification time", 17) &&
		    strncmp(p, "stack depth", 11)) {
			line = p;
			break;
		}
		p[-1] = 0;
	}
	snprintf(out, len, "%s", line ? line : captured);
	if ((p = strchr(out, '\n')))
		*p = 0;
}

int loader_load(struct bpf_object_skeleton *skel)
{
	struct bpf_object *obj = *skel->obj;
	char why[256];
	int err;

	if ((err = choose_variants(obj)))
		return err;
	captured_len = 0;
	captured[0] = 0;
	err = bpf_object__load_skeleton(skel);
	if (err) {
		summarize_failure(why, sizeof(why));
		log_error("cannot load BPF programs of %s: %s%s", skel->name, why[0] ? why : strerror(-err),
			  log_verbosity < 2 ? " (run with -vv for the verifier log)" : "");
		return err;
	}
	return 0;
}

int loader_attach(struct bpf_object_skeleton *skel)
{
	/* libbpf reads tracepoint ids from tracefs, which is not mounted in
	 * the fresh /sys of `ip netns exec`: mount it first if needed */
	tracefs_root();
	for (int i = 0; i < skel->prog_cnt; i++) {
		struct bpf_program *prog = *skel->progs[i].prog;
		struct bpf_link **link = skel->progs[i].link;

		if (!bpf_program__autoload(prog) || !bpf_program__autoattach(prog) || *link)
			continue;
		*link = bpf_program__attach(prog);
		if (!*link) {
			int err = -errno;

			log_error("cannot attach %s (%s): %s", bpf_program__name(prog),
				  bpf_program__section_name(prog), strerror(-err));
			return err;
		}
	}
	return 0;
}

int loader_load_attach(struct bpf_object_skeleton *skel)
{
	int err = loader_load(skel);

	return err ? err : loader_attach(skel);
}

void loader_describe(struct bpf_object *obj)
{
	struct bpf_program *p;

	bpf_object__for_each_program(p, obj) {
		enum bpf_prog_type type = bpf_program__type(p);

		/* tc and XDP programs are attached, and described, by their command */
		if (!bpf_program__autoattach(p) &&
		    (type == BPF_PROG_TYPE_SCHED_CLS || type == BPF_PROG_TYPE_XDP))
			continue;
		if (bpf_program__autoload(p))
			log_info("%s: attached via %s (%s)", bpf_program__name(p), loader_mechanism(p),
				 bpf_program__section_name(p));
	}
}
