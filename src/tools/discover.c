/* bpfscope discover: which function should I trace? Counting probes on
 * every function of a binary or library matching a glob, for a bounded
 * time, ranked by calls (per root invocation with --within) and time.
 *
 * The story: resolve the binary -> list matching functions -> classify
 * their first instruction and drop what cannot be probed safely
 * (discover_select) -> load src/bpf/discover.bpf.c -> attach one
 * uprobe_multi link for all functions (one system call; per-function
 * uprobes when the kernel lacks uprobe_multi or with --per-function), the
 * returns only with --time (they cost more, and never on C++ or
 * setjmp-like functions), the root's entry and return with --within -> run
 * -d seconds -> read the per-function counters and print the ranking. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/cmd.h"
#include "core/features.h"
#include "core/libpath.h"
#include "core/log.h"
#include "core/output.h"
#include "core/session.h"
#include "core/syms.h"
#include "core/uprobe.h"
#include "core/uprobe_multi.h"
#include "bpf/discover.h"
#include "discover.skel.h"
#include "probe/resolve.h"
#include "tools/discover_select.h"

static const char *within, *debug_dir, *sort_by = "calls";
static int limit = 1000, top = 25;
static bool want_time, per_function;

static const struct opt_def options[] = {
    {"within", 0, OPT_STRING, &within, "ROOT",
     "count only calls made while ROOT ([BINARY:]FUNCTION) is on the thread's stack, and "
     "report calls per ROOT invocation"},
    {"limit", 0, OPT_INT, &limit, "N", "probe at most N functions (default 1000)", 1,
     DISCOVER_MAX_FUNCS},
    {"time", 0, OPT_FLAG, &want_time, NULL,
     "also probe returns to measure total time (costs more per call)"},
    {"top", 0, OPT_INT, &top, "N", "print the N first functions (default 25, 0: all)", 0, 1e9},
    {"sort", 0, OPT_STRING, &sort_by, "KEY", "rank by calls (default) or time"},
    {"per-function", 0, OPT_FLAG, &per_function, NULL,
     "one uprobe per function even where uprobe_multi works"},
    {"debug-dir", 0, OPT_STRING, &debug_dir, "DIR", "also look for debug files in DIR"},
    {0},
};

static const struct cmd_spec spec = {
    .name = "discover",
    .summary = "rank the functions of a binary or library by calls and time",
    .args = "BINARY|LIB [GLOB]",
    .details = "Attaches counting probes to every function matching GLOB (default '*') for\n"
	       "-d seconds (default 5), then ranks them. Example:\n"
	       "  bpfscope discover libmemcached -p PID --within 'app:handle_request' -d 10\n"
	       "See docs/discover.md.",
    .opts = options,
    .common = COMMON_PID | COMMON_DURATION | COMMON_OUTPUT,
    .max_args = 2,
};

struct discover {
	char path[PATH_MAX], root_path[PATH_MAX];
	struct elf_syms *es;
	struct disc_func *f;
	size_t n, cap;
	struct disc_func **probed; /* index = cookie */
	size_t nprobed;
	uint64_t root_vaddr, root_offset;
	const char *root_name;
	struct discover_bpf *skel;
	struct bpf_link **links;
	int multi_fds[2];
	int pid;
	bool multi;
	size_t attach_failed;
	double attach_ms;
};

static void collect(const struct sym *s, void *ctx)
{
	struct discover *d = ctx;

	if (d->n == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 256;
		struct disc_func *grown = realloc(d->f, cap * sizeof(*grown));

		if (!grown)
			return;
		d->f = grown;
		d->cap = cap;
	}
	d->f[d->n++] = (struct disc_func){s->name, s->raw_name, s->addr, s->size};
}

/* Sites and file offsets of every candidate. */
static int classify(struct discover *d)
{
	uint64_t *vaddrs = calloc(d->n, sizeof(*vaddrs)), *offs = calloc(d->n, sizeof(*offs));
	struct uprobe_site *sites = calloc(d->n, sizeof(*sites));
	int err = -ENOMEM;

	if (vaddrs && offs && sites) {
		for (size_t i = 0; i < d->n; i++)
			vaddrs[i] = d->f[i].vaddr;
		err = uprobe_site_classify_many(d->path, vaddrs, d->n, sites);
		if (!err)
			err = probe_file_offsets(d->path, vaddrs, d->n, offs);
		for (size_t i = 0; !err && i < d->n; i++) {
			d->f[i].site = sites[i];
			d->f[i].offset = offs[i];
		}
	}
	if (err)
		log_error("cannot read %s: %s", d->path, strerror(-err));
	free(vaddrs);
	free(offs);
	free(sites);
	return err;
}

/* --within [BINARY:]FUNCTION */
static int resolve_root(struct discover *d)
{
	const char *colon = strrchr(within, ':');
	char bin[PATH_MAX];
	struct elf_syms *es;
	const struct sym *s;
	int err;

	if (!strncmp(within, "u:", 2))
		within += 2;
	colon = strrchr(within, ':');
	if (colon && colon > within && colon[-1] == ':')
		colon = NULL; /* a C++ name: ns::f */
	snprintf(bin, sizeof(bin), "%.*s", colon ? (int)(colon - within) : 0, within);
	d->root_name = colon ? colon + 1 : within;
	if (!colon)
		snprintf(d->root_path, sizeof(d->root_path), "%s", d->path);
	else if (libpath_resolve(bin, d->pid, d->root_path, sizeof(d->root_path))) {
		log_error("--within: cannot find '%s'", bin);
		return -EINVAL;
	}
	es = !strcmp(d->root_path, d->path) ? d->es : elf_syms__open(d->root_path, debug_dir);
	s = es ? elf_syms__by_name(es, d->root_name) : NULL;
	if (!s) {
		log_error("--within: no function '%s' in %s", d->root_name, d->root_path);
		err = -EINVAL;
	} else {
		if (!strncmp(s->raw_name, "_Z", 2))
			log_warn(
			    "--within %s: a C++ exception thrown through it terminates the program "
			    "(its return is probed; the uretprobe trampoline has no unwind "
			    "information)",
			    d->root_name);
		err = probe_file_offsets(d->root_path, &s->addr, 1, &d->root_offset);
		if (!err && d->root_offset == UINT64_MAX)
			err = -ENOEXEC;
		if (es == d->es)
			d->root_vaddr = s->addr;
		if (err)
			log_error("--within: %s is not in an executable segment", d->root_name);
	}
	if (es && es != d->es)
		elf_syms__free(es);
	return err;
}

static int candidates(struct discover *d, const char *target, const char *glob)
{
	int err;

	if (libpath_resolve(target, d->pid, d->path, sizeof(d->path))) {
		log_error("cannot find '%s' (looked in %s/etc/ld.so.cache and $PATH)", target,
			  d->pid ? "the process's maps, " : "");
		return -EINVAL;
	}
	d->es = elf_syms__open(d->path, debug_dir);
	if (!d->es) {
		log_error("%s: %s", d->path,
			  errno == ENOEXEC ? "not an ELF binary" : strerror(errno));
		return -EINVAL;
	}
	elf_syms__glob(d->es, glob, collect, d);
	if (!d->n) {
		log_error("no function matches '%s' in %s", glob, d->path);
		return -EINVAL;
	}
	if ((err = classify(d)) || (within && (err = resolve_root(d))))
		return err;
	disc_select(d->f, d->n, (size_t)limit, want_time, d->root_vaddr);
	d->probed = calloc(d->n, sizeof(*d->probed));
	if (!d->probed)
		return -ENOMEM;
	for (size_t i = 0; i < d->n; i++)
		if (!d->f[i].skip)
			d->probed[d->nprobed++] = &d->f[i];
	return 0;
}

/* ---- attaching ---- */

static int attach_multi(struct discover *d)
{
	uint64_t *offs = calloc(d->nprobed, sizeof(*offs)), *cookies = calloc(d->nprobed, 8);
	size_t nret = 0;
	int err = -ENOMEM;

	if (offs && cookies) {
		for (size_t i = 0; i < d->nprobed; i++) {
			offs[i] = d->probed[i]->offset;
			cookies[i] = i | (d->probed[i]->timed ? DISCOVER_TIMED : 0);
		}
		err = d->multi_fds[0] =
		    uprobe_multi_attach_fd(bpf_program__fd(d->skel->progs.disc_entry_multi), d->path,
					offs, cookies, d->nprobed, d->pid, false);
		/* returns: the timed subset, packed */
		for (size_t i = 0; err >= 0 && i < d->nprobed; i++)
			if (d->probed[i]->timed) {
				offs[nret] = offs[i];
				cookies[nret++] = cookies[i];
			}
		if (err >= 0 && nret)
			err = d->multi_fds[1] =
			    uprobe_multi_attach_fd(bpf_program__fd(d->skel->progs.disc_return_multi),
						d->path, offs, cookies, nret, d->pid, true);
	}
	free(offs);
	free(cookies);
	if (err < 0)
		log_error("uprobe_multi attach to %s: %s", d->path, strerror(-err));
	return err < 0 ? err : 0;
}

/* One uprobe (and uretprobe) per function: a function the kernel refuses
 * is counted and skipped, not fatal. */
static int attach_each(struct discover *d)
{
	int pid = d->pid ? d->pid : -1; /* libbpf: 0 is this process */

	d->links = calloc(2 * d->nprobed, sizeof(*d->links));
	if (!d->links)
		return -ENOMEM;
	for (size_t i = 0; i < d->nprobed && !evloop_stopping(); i++) {
		struct disc_func *f = d->probed[i];
		LIBBPF_OPTS(bpf_uprobe_opts, uo, .bpf_cookie = i | (f->timed ? DISCOVER_TIMED : 0));

		d->links[2 * i] = bpf_program__attach_uprobe_opts(d->skel->progs.disc_entry, pid,
								  d->path, f->offset, &uo);
		if (d->links[2 * i] && f->timed) {
			uo.retprobe = true;
			d->links[2 * i + 1] = bpf_program__attach_uprobe_opts(
			    d->skel->progs.disc_return, pid, d->path, f->offset, &uo);
		}
		if (!d->links[2 * i] || (f->timed && !d->links[2 * i + 1])) {
			f->skip = "attach failed";
			d->attach_failed++;
		}
	}
	return 0;
}

static int attach(void *ctx)
{
	struct discover *d = ctx;
	int pid = d->pid ? d->pid : -1, err;
	uint64_t t0;

	if (within) {
		LIBBPF_OPTS(bpf_uprobe_opts, ro);

		d->skel->links.disc_root_entry = bpf_program__attach_uprobe_opts(
		    d->skel->progs.disc_root_entry, pid, d->root_path, d->root_offset, &ro);
		ro.retprobe = true;
		d->skel->links.disc_root_return = bpf_program__attach_uprobe_opts(
		    d->skel->progs.disc_root_return, pid, d->root_path, d->root_offset, &ro);
		if (!d->skel->links.disc_root_entry || !d->skel->links.disc_root_return) {
			log_error("--within: cannot attach to %s: %s", d->root_name,
				  strerror(errno));
			return -errno;
		}
	}
	t0 = clock_mono_ns(); /* the function probes only, what grows with their number */
	err = d->multi ? attach_multi(d) : attach_each(d);
	d->attach_ms = (clock_mono_ns() - t0) / 1e6;
	return err;
}

static int load_and_attach(struct discover *d, struct session *s, const struct common_opts *opts)
{
	struct bpf_object *obj;
	bool root = within != NULL;

	d->skel = discover_bpf__open();
	if (!d->skel) {
		log_error("cannot open the discover BPF object");
		return -ENOMEM;
	}
	obj = d->skel->obj;
	uprobe_manual(obj);
	d->skel->rodata->within_root = root;
	bpf_map__set_max_entries(d->skel->maps.func_stats, d->nprobed ? (__u32)d->nprobed : 1);
	bpf_program__set_autoload(d->skel->progs.disc_entry_multi, d->multi);
	bpf_program__set_autoload(d->skel->progs.disc_return_multi, d->multi && want_time);
	bpf_program__set_autoload(d->skel->progs.disc_entry, !d->multi);
	bpf_program__set_autoload(d->skel->progs.disc_return, !d->multi && want_time);
	bpf_program__set_autoload(d->skel->progs.disc_root_entry, root);
	bpf_program__set_autoload(d->skel->progs.disc_root_return, root);
	bpf_program__set_expected_attach_type(d->skel->progs.disc_entry_multi,
					      UPROBE_MULTI_ATTACH_TYPE);
	bpf_program__set_expected_attach_type(d->skel->progs.disc_return_multi,
					      UPROBE_MULTI_ATTACH_TYPE);
	return session_start_attach(s, d->skel->skeleton, opts, attach, d);
}

static void detach(struct discover *d)
{
	for (int i = 0; i < 2; i++)
		if (d->multi_fds[i] > 0)
			close(d->multi_fds[i]);
	d->multi_fds[0] = d->multi_fds[1] = -1;
	for (size_t i = 0; d->links && i < 2 * d->nprobed; i++)
		bpf_link__destroy(d->links[i]);
	free(d->links);
	d->links = NULL;
}

/* ---- results ---- */

struct row {
	const struct disc_func *f;
	struct disc_stat st;
};

static int by_calls(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->st.calls != y->st.calls)
		return x->st.calls < y->st.calls ? 1 : -1;
	return strcmp(x->f->name, y->f->name);
}

static int by_time(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->st.time_ns != y->st.time_ns)
		return x->st.time_ns < y->st.time_ns ? 1 : -1;
	return by_calls(a, b);
}

/* Per-function counters summed over CPUs. */
static struct row *read_rows(struct discover *d)
{
	int ncpus = libbpf_num_possible_cpus(), fd = bpf_map__fd(d->skel->maps.func_stats);
	struct disc_stat *percpu = calloc(ncpus > 0 ? ncpus : 1, sizeof(*percpu));
	struct row *rows = calloc(d->nprobed ? d->nprobed : 1, sizeof(*rows));

	for (__u32 i = 0; percpu && rows && i < d->nprobed; i++) {
		rows[i].f = d->probed[i];
		if (bpf_map_lookup_elem(fd, &i, percpu))
			continue;
		for (int c = 0; c < ncpus; c++) {
			rows[i].st.calls += percpu[c].calls;
			rows[i].st.returns += percpu[c].returns;
			rows[i].st.time_ns += percpu[c].time_ns;
		}
	}
	free(percpu);
	return rows;
}

static uint64_t counter(struct discover *d, enum disc_counter c)
{
	return bpfmap_percpu_sum(bpf_map__fd(d->skel->maps.disc_counters), c);
}

static void print_row(struct out *o, const struct row *r, uint64_t roots)
{
	out__row_begin(o);
	out__u64(o, r->st.calls);
	if (within)
		out__double(o, roots ? (double)r->st.calls / (double)roots : 0, 2);
	if (want_time) {
		if (r->f->timed) {
			out__double(o, r->st.time_ns / 1e6, 3);
			out__double(o, r->st.returns ? r->st.time_ns / 1e3 / r->st.returns : 0, 2);
		} else {
			out__str(o, "-");
			out__str(o, "-");
		}
	}
	out__str(o, r->f->name);
	out__row_end(o);
}

static void print_ranking(struct discover *d, const struct common_opts *opts)
{
	struct out_col cols[5];
	int ncols = 0;
	struct row *rows = read_rows(d);
	uint64_t roots = counter(d, DISC_ROOT_CALLS);
	struct out *o;

	if (!rows)
		return;
	cols[ncols++] = (struct out_col){"calls", "CALLS", 10};
	if (within)
		cols[ncols++] = (struct out_col){"per_root", "PER_ROOT", 9};
	if (want_time) {
		cols[ncols++] = (struct out_col){"total_ms", "TOTAL_MS", 11};
		cols[ncols++] = (struct out_col){"avg_us", "AVG_US", 9};
	}
	cols[ncols++] = (struct out_col){"function", "  FUNCTION", -30};
	qsort(rows, d->nprobed, sizeof(*rows), strcmp(sort_by, "time") ? by_calls : by_time);
	o = out__new(stdout, opts->format, cols, ncols);
	out__header(o);
	for (size_t i = 0; i < d->nprobed && (!top || i < (size_t)top) && rows[i].st.calls; i++)
		print_row(o, &rows[i], roots);
	out__free(o);
	free(rows);
}

/* What was probed, what was not and why, and the run's own losses. */
static void print_summary(struct discover *d)
{
	const char *seen[16];
	size_t count[16] = {0}, nseen = 0, timed = 0;

	for (size_t i = 0; i < d->n; i++) {
		size_t k = 0;

		timed += !d->f[i].skip && d->f[i].timed;
		if (!d->f[i].skip)
			continue;
		while (k < nseen && strcmp(seen[k], d->f[i].skip))
			k++;
		if (k == nseen && nseen < 16)
			seen[nseen++] = d->f[i].skip;
		if (k < nseen)
			count[k]++;
	}
	fprintf(stderr, "bpfscope: %zu of %zu functions in %s probed via %s in %.2f ms",
		d->nprobed - d->attach_failed, d->n, d->path,
		d->multi ? "uprobe_multi" : "per-function uprobes", d->attach_ms);
	if (want_time)
		fprintf(stderr, " (returns on %zu)", timed);
	fputc('\n', stderr);
	for (size_t k = 0; k < nseen; k++)
		fprintf(stderr, "bpfscope:   skipped %zu: %s\n", count[k], seen[k]);
	if (within)
		fprintf(stderr,
			"bpfscope: %llu invocations of %s; %llu calls outside it not counted\n",
			(unsigned long long)counter(d, DISC_ROOT_CALLS), d->root_name,
			(unsigned long long)counter(d, DISC_OUTSIDE));
	if (want_time)
		fprintf(stderr,
			"bpfscope: %llu stale frames, %llu unpaired returns, %llu calls too "
			"deep to time\n",
			(unsigned long long)counter(d, DISC_STALE),
			(unsigned long long)counter(d, DISC_UNPAIRED),
			(unsigned long long)counter(d, DISC_DEEP));
}

static int run(const struct common_opts *opts, int argc, char **argv)
{
	struct discover d = {.pid = opts->pid, .multi_fds = {-1, -1}};
	struct session s = {0};
	int err;

	if (argc < 1) {
		log_error("no binary or library given (see 'bpfscope discover --help')");
		return 2;
	}
	if (strcmp(sort_by, "calls") && strcmp(sort_by, "time")) {
		log_error("--sort: expected calls or time, got '%s'", sort_by);
		return 2;
	}
	if (!strcmp(sort_by, "time") && !want_time) {
		log_error("--sort time needs --time");
		return 2;
	}
	if (!feature_has(FEAT_BPF_COOKIE)) {
		/* hundreds of probes share one program; only the cookie says which */
		log_error("discover needs BPF cookies (Linux 5.15+) to tell the functions apart; "
			  "this kernel lacks them (trace one function with 'bpfscope trace')");
		return 2;
	}
	d.multi = !per_function && feature_has(FEAT_UPROBE_MULTI);
	err = candidates(&d, argv[0], argc > 1 ? argv[1] : "*");
	if (!err)
		err = load_and_attach(&d, &s, opts) ? -EIO : 0;
	if (!err) {
		err = evloop__run(s.loop, opts->duration > 0 ? opts->duration : 5, 0, NULL, NULL);
		detach(&d);
		print_ranking(&d, opts);
		print_summary(&d);
	}
	detach(&d);
	session_end(&s);
	discover_bpf__destroy(d.skel);
	elf_syms__free(d.es);
	free(d.probed);
	free(d.f);
	return err == -EINVAL ? 2 : err ? 1 : 0;
}

static const struct command cmd_discover = {&spec, run, true};
REGISTER_COMMAND(cmd_discover);
