/* bpfscope php: PHP user-function calls with class::function, file:line,
 * duration and arguments; per-request call trees and a flame graph.
 *
 * The story: find the PHP binary (argument, or the traced process's
 * executable or libphp), check its version against the built-in layout
 * table and locate the VM handler labels (php_layout.c), attach the USDT
 * and executor programs (php.bpf.c says which one reports what), then pair
 * entries with returns per thread (php_calls.c) and print one row per call,
 * or a call tree per request. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <json-c/json.h>

#include "bpf/php.h"
#include "core/clock.h"
#include "core/cmd.h"
#include "core/elfnotes.h"
#include "core/features.h"
#include "core/flamegraph.h"
#include "core/libpath.h"
#include "core/log.h"
#include "core/output.h"
#include "core/procstat.h"
#include "core/session.h"
#include "core/uprobe.h"
#include "core/uprobe_multi.h"
#include "php.skel.h"
#include "tools/php_calls.h"
#include "tools/php_layout.h"

static const char *uri_glob, *method_glob, *flame_path;
static bool tree_mode, internal_mode;
static double min_us;

static const struct opt_def options[] = {
    {"uri", 0, OPT_STRING, &uri_glob, "GLOB",
     "only requests whose URI matches (CLI: the script path); '*' and '?' wildcards"},
    {"method", 0, OPT_STRING, &method_glob, "GLOB", "only requests with this HTTP method"},
    {"tree", 't', OPT_FLAG, &tree_mode, NULL,
     "print a call tree per request (total/self time) instead of one row per call"},
    {"flame", 0, OPT_STRING, &flame_path, "FILE",
     "write a flame graph of PHP frames weighted by self time (.svg, else folded)"},
    {"min-us", 0, OPT_DOUBLE, &min_us, "US", "rows only for calls at least this long", 0, 1e12},
    {"internal", 'I', OPT_FLAG, &internal_mode, NULL,
     "also internal functions (usleep, PDO::query, array_map...), located at their caller"},
    {0},
};

static const struct cmd_spec spec = {
    .name = "php",
    .summary = "trace PHP function calls with arguments, per-request call trees",
    .args = "[BINARY]",
    .details = "BINARY is php, php-fpm or libphp (path or short name); with -p it is found in "
	       "the process. Processes started with USE_ZEND_DTRACE=1 are traced through the "
	       "PHP USDT probes, all others through uprobes on the Zend VM's call and return "
	       "handlers. Knows PHP 8.2 (NTS, x86-64).",
    .opts = options,
    .common = COMMON_TARGET | COMMON_DURATION | COMMON_OUTPUT,
    .max_args = 1,
};

static const struct out_col columns[] = {
    {"time", "TIME", -15},	   {"pid", "PID", 7},	     {"tid", "TID", 7},
    {"depth", "DEPTH", 5},	   {"dur_us", "DUR_US", 10}, {"via", "VIA", -6},
    {"location", "LOCATION", -28}, {"call", "CALL", 0},
};
/* --internal: which kind of function, after VIA */
static const struct out_col columns_internal[] = {
    {"time", "TIME", -15},    {"pid", "PID", 7},
    {"tid", "TID", 7},	      {"depth", "DEPTH", 5},
    {"dur_us", "DUR_US", 10}, {"via", "VIA", -6},
    {"kind", "KIND", -8},     {"location", "LOCATION", -28},
    {"call", "CALL", 0},
};

#define MAX_LINKS      (2 * PHP_SITES_MAX + 2 * PHP_ICALL_MAX + 10)
#define APACHE_MODULES "/usr/lib/apache2/modules" /* Debian's */
#define MAX_THREADS    1024

struct php_thread {
	struct php_stack stack;
	struct php_tree *tree; /* calls of the current request (or since start) */
	uint64_t req_start_ns;
	char req[PHP_URI_LEN + PHP_METHOD_LEN + PHP_FILE_LEN + 8];
	bool in_request, matched;
};

struct php_run {
	const struct common_opts *opts;
	struct php_bpf *skel;
	struct php_binary bin;
	char path[4096];
	struct bpf_link *links[MAX_LINKS];
	int nlinks;
	bool usdt, executor; /* which mechanisms to attach */
	bool multi;	     /* executor sites as uprobe_multi links */
	int multi_fds[7];
	int nmulti;
	struct out *out;
	struct flame *flame;
	struct php_thread *threads[MAX_THREADS];
	int nthreads;
	uint64_t calls, unwound, unpaired, requests, skipped, too_deep, no_slot;
	uint64_t last_ns; /* newest event: the end of requests still open at exit */
};

/* mod_php: libphp8.2.so (or libphp.so) mapped by the process, as a path
 * through /proc/PID/root so other mount namespaces work. */
static int find_libphp(int pid, char *out, size_t len)
{
	char maps[64], line[4400];
	FILE *f;
	int err = -ENOENT;

	snprintf(maps, sizeof(maps), "/proc/%d/maps", pid);
	f = fopen(maps, "r");
	if (!f)
		return -ESRCH;
	while (err && fgets(line, sizeof(line), f)) {
		char *path = strchr(line, '/'), *base;

		if (!path)
			continue;
		path[strcspn(path, "\n")] = 0;
		base = strrchr(path, '/') + 1;
		if (!strncmp(base, "libphp", 6) && strstr(base, ".so") &&
		    (size_t)snprintf(out, len, "/proc/%d/root%s", pid, path) < len)
			err = 0;
	}
	fclose(f);
	return err;
}

/* php-fpm names its processes "php-fpm: master process (CONF)" and
 * "php-fpm: pool NAME"; only the pool workers run PHP. */
static bool fpm_master(int pid)
{
	static const char master[] = "php-fpm: master process";
	char path[64], cmd[sizeof(master)] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (!fgets(cmd, sizeof(cmd), f))
		cmd[0] = 0;
	fclose(f);
	return !strcmp(cmd, master);
}

static int open_binary(struct php_run *r, const char *label)
{
	/* BPFSCOPE_PHP_LABELS=1: probe handler labels only (tests, comparison) */
	const char *labels = getenv("BPFSCOPE_PHP_LABELS");

	return php_binary_open_opts(r->path, label, labels && atoi(labels), &r->bin);
}

/* The binary to probe: the argument, else libphp or the executable of -p. */
static int find_binary(struct php_run *r, const char *arg)
{
	int pid = r->opts->pid;
	char exe[64], label[4200];
	size_t n;

	if (arg) {
		/* mod_php lives in Apache's module directory, not the linker's */
		if (libpath_resolve(arg, pid, r->path, sizeof(r->path)) &&
		    (strchr(arg, '/') || strncmp(arg, "libphp", 6) ||
		     (size_t)snprintf(r->path, sizeof(r->path), "%s/%s", APACHE_MODULES, arg) >=
			 sizeof(r->path) ||
		     access(r->path, R_OK))) {
			log_error("cannot find %s", arg);
			return -ENOENT;
		}
		return open_binary(r, NULL);
	}
	if (!pid) {
		log_error("give a PHP binary (php8.2, php-fpm8.2, libphp8.2.so) or -p PID");
		return -EINVAL;
	}
	if (!find_libphp(pid, r->path, sizeof(r->path)))
		return open_binary(r, NULL); /* mod_php */
	if (proc_exe_path(pid, r->path, sizeof(r->path))) {
		log_error("no process %d", pid);
		return -ESRCH;
	}
	n = strlen(r->path);
	snprintf(label, sizeof(label), "process %d (%s)", pid, r->path);
	/* through its root: the process may live in another mount namespace */
	snprintf(exe, sizeof(exe), "/proc/%d/root", pid);
	if (strlen(exe) + n >= sizeof(r->path))
		return -ENAMETOOLONG;
	memmove(r->path + strlen(exe), r->path, n + 1);
	memcpy(r->path, exe, strlen(exe));
	if (fpm_master(pid)) {
		log_error("process %d is the php-fpm master, which runs no PHP: give a worker "
			  "(pgrep -P %d) or the binary without -p",
			  pid, pid);
		return -EINVAL;
	}
	return open_binary(r, label);
}

/* Does the process run with USE_ZEND_DTRACE=1 (and so the USDT path)? */
static bool dtrace_env(int pid)
{
	char path[64], buf[65536];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/environ", pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	for (size_t i = 0; i < n; i += strlen(buf + i) + 1)
		if (!strncmp(buf + i, "USE_ZEND_DTRACE=", 16))
			return atol(buf + i + 16) != 0;
	return false;
}

static int add_link(struct php_run *r, struct bpf_link *link, const char *what)
{
	if (!link) {
		log_error("cannot attach %s to %s: %s", what, r->path, strerror(errno));
		return -errno;
	}
	r->links[r->nlinks++] = link;
	return 0;
}

static int attach_uprobe(struct php_run *r, struct bpf_program *prog, int site, uint64_t vaddr)
{
	LIBBPF_OPTS(bpf_uprobe_opts, uo, .bpf_cookie = PHP_COOKIE(site, vaddr));
	uint64_t off;

	if (php_binary_offset(&r->bin, vaddr, &off)) {
		log_error("%s: address 0x%llx outside the file", r->path,
			  (unsigned long long)vaddr);
		return -ERANGE;
	}
	return add_link(
	    r, bpf_program__attach_uprobe_opts(prog, r->opts->pid ?: -1, r->path, off, &uo),
	    "a VM handler uprobe");
}

/* All sites of one executor program as one uprobe_multi link; kinds (may
 * be NULL: all `site`) gives each site's kind for its cookie. */
static int attach_multi(struct php_run *r, struct bpf_program *prog, int site, const int *kinds,
			const uint64_t *vaddrs, int n)
{
	uint64_t offs[PHP_SITES_MAX], cookies[PHP_SITES_MAX];
	int fd;

	if (n == 0)
		return 0; /* e.g. no fast call site in this build */
	for (int i = 0; i < n; i++) {
		cookies[i] = PHP_COOKIE(kinds ? kinds[i] : site, vaddrs[i]);
		if (php_binary_offset(&r->bin, vaddrs[i], &offs[i])) {
			log_error("%s: address 0x%llx outside the file", r->path,
				  (unsigned long long)vaddrs[i]);
			return -ERANGE;
		}
	}
	fd = uprobe_multi_attach(prog, r->path, offs, cookies, n, r->opts->pid, false);
	if (fd < 0) {
		log_error("cannot attach VM handler uprobes to %s: %s", r->path, strerror(-fd));
		return fd;
	}
	r->multi_fds[r->nmulti++] = fd;
	return 0;
}

/* Internal calls: entry at the call instruction, return at the next one,
 * the callee's register in the cookie. */
static int attach_icalls(struct php_run *r)
{
	const struct php_binary *b = &r->bin;
	uint64_t offs[2][PHP_ICALL_MAX], cookies[2][PHP_ICALL_MAX];
	struct bpf_program *progs[2] = {r->skel->progs.php_icall, r->skel->progs.php_ireturn};
	int n[2] = {0, 0}, err = 0;

	for (int i = 0; i < b->nicall; i++) {
		const struct php_icall_site *ic = &b->icall[i];
		bool shared = false;

		for (int j = 0; j < i; j++)
			shared |= b->icall[j].ret == ic->ret; /* DO_FCALL's two paths */
		if (php_binary_offset(b, ic->call, &offs[0][n[0]]) ||
		    (!shared && php_binary_offset(b, ic->ret, &offs[1][n[1]]))) {
			log_error("%s: address 0x%llx outside the file", r->path,
				  (unsigned long long)ic->call);
			return -ERANGE;
		}
		cookies[0][n[0]++] = PHP_COOKIE_REG(PHP_SITE_ICALL, ic->reg, ic->call);
		if (!shared)
			cookies[1][n[1]++] = PHP_COOKIE_REG(PHP_SITE_IRETURN, ic->reg, ic->ret);
	}
	for (int k = 0; !err && k < 2; k++) {
		if (r->multi) {
			int fd = uprobe_multi_attach(progs[k], r->path, offs[k], cookies[k], n[k],
						     r->opts->pid, false);

			if (fd < 0) {
				log_error("cannot attach internal-call uprobes to %s: %s", r->path,
					  strerror(-fd));
				return fd;
			}
			r->multi_fds[r->nmulti++] = fd;
			continue;
		}
		for (int i = 0; !err && i < n[k]; i++) {
			LIBBPF_OPTS(bpf_uprobe_opts, uo, .bpf_cookie = cookies[k][i]);

			err = add_link(r,
				       bpf_program__attach_uprobe_opts(progs[k], r->opts->pid ?: -1,
								       r->path, offs[k][i], &uo),
				       "an internal-call uprobe");
		}
	}
	return err;
}

static int attach_executor(struct php_run *r)
{
	struct php_bpf *s = r->skel;
	const struct php_binary *b = &r->bin;
	int err = 0;

	log_info("%d VM handler sites (%d call, %d return), %d of them at branches the kernel "
		 "emulates, as %s",
		 b->ncall + b->ncallee + b->nreturn + 2, b->ncall + b->ncallee, b->nreturn,
		 b->nfast, r->multi ? "uprobe_multi links" : "single uprobes");
	if (r->multi)
		return (internal_mode ? attach_icalls(r) : 0) ?:
		       attach_multi(r, s->progs.php_execute, PHP_SITE_EXECUTE, NULL, &b->execute_ex, 1) ?:
		       attach_multi(r, s->progs.php_unwind, PHP_SITE_UNWIND, NULL, &b->unwind_site, 1) ?:
		       attach_multi(r, s->progs.php_call, PHP_SITE_CALL, NULL, b->call_sites, b->ncall) ?:
		       attach_multi(r, s->progs.php_callee, PHP_SITE_CALLEE, b->callee_kind, b->callee_sites,
				    b->ncallee) ?:
		       attach_multi(r, s->progs.php_return, PHP_SITE_RETURN, NULL, b->return_sites,
				    b->nreturn);
	if (internal_mode)
		err = attach_icalls(r);
	if (err)
		return err;
	err = attach_uprobe(r, s->progs.php_execute, PHP_SITE_EXECUTE, b->execute_ex)
		  ?: attach_uprobe(r, s->progs.php_unwind, PHP_SITE_UNWIND, b->unwind_site);
	for (int i = 0; !err && i < b->ncall; i++)
		err = attach_uprobe(r, s->progs.php_call, PHP_SITE_CALL, b->call_sites[i]);
	for (int i = 0; !err && i < b->ncallee; i++)
		err = attach_uprobe(r, s->progs.php_callee, b->callee_kind[i], b->callee_sites[i]);
	for (int i = 0; !err && i < b->nreturn; i++)
		err = attach_uprobe(r, s->progs.php_return, PHP_SITE_RETURN, b->return_sites[i]);
	return err;
}

/* The USDT site of php:name; the cookie carries its address (for the load
 * bias), so the probe must have exactly one site. */
static int attach_usdt(struct php_run *r, struct bpf_program *prog, int site, const char *name,
		       const struct usdt_note *notes, int nnotes)
{
	const struct usdt_note *found = NULL;
	int count = 0;

	for (int i = 0; i < nnotes; i++)
		if (!strcmp(notes[i].provider, "php") && !strcmp(notes[i].name, name)) {
			found = &notes[i];
			count++;
		}
	if (count != 1) {
		log_error("%s: expected one USDT probe php:%s, found %d", r->path, name, count);
		return -ENOTSUP;
	}
	LIBBPF_OPTS(bpf_usdt_opts, so, .usdt_cookie = PHP_COOKIE(site, found->pc));
	return add_link(
	    r, bpf_program__attach_usdt(prog, r->opts->pid ?: -1, r->path, "php", name, &so), name);
}

/* Every perf-event uprobe detach waits for a grace period under a
 * kernel-wide lock (~0.1 s each here), so the executor sites go into
 * uprobe_multi links where the kernel has them, and -p attaches only the
 * mechanism the process uses. */
static void detach_all(struct php_run *r)
{
	for (int i = 0; i < r->nlinks; i++)
		bpf_link__destroy(r->links[i]);
	r->nlinks = 0;
	for (int i = 0; i < r->nmulti; i++)
		close(r->multi_fds[i]);
	r->nmulti = 0;
}

static int attach_all(void *ctx)
{
	struct php_run *r = ctx;
	struct php_bpf *s = r->skel;
	struct usdt_note *notes = NULL;
	int nnotes = usdt_notes_read(r->path, &notes), err = 0;

	if (nnotes < 0) {
		log_error("%s: cannot read its USDT notes: %s", r->path, strerror(-nnotes));
		return nnotes;
	}
	err = attach_usdt(r, s->progs.php_req_start, PHP_SITE_REQ_START, "request__startup", notes,
			  nnotes)
		  ?: attach_usdt(r, s->progs.php_req_end, PHP_SITE_REQ_END, "request__shutdown",
				 notes, nnotes);
	if (!err && r->usdt)
		err = attach_usdt(r, s->progs.php_usdt_entry, PHP_SITE_USDT_ENTRY,
				  "function__entry", notes, nnotes)
			  ?: attach_usdt(r, s->progs.php_usdt_return, PHP_SITE_USDT_RETURN,
					 "function__return", notes, nnotes);
	if (!err && r->usdt && internal_mode) {
		LIBBPF_OPTS(bpf_usdt_opts, so,
			    .usdt_cookie = PHP_COOKIE(PHP_SITE_USDT_EXEC_ENTRY, 0));
		LIBBPF_OPTS(bpf_usdt_opts, ro,
			    .usdt_cookie = PHP_COOKIE(PHP_SITE_USDT_EXEC_RETURN, 0));

		/* two sites each (php_usdt_exec_entry finds its bias without the cookie) */
		err = add_link(r,
			       bpf_program__attach_usdt(s->progs.php_usdt_exec_entry,
							r->opts->pid ?: -1, r->path, "php",
							"execute__entry", &so),
			       "execute__entry")
			  ?: add_link(r,
				      bpf_program__attach_usdt(s->progs.php_usdt_exec_return,
							       r->opts->pid ?: -1, r->path, "php",
							       "execute__return", &ro),
				      "execute__return");
	}
	if (!err && r->executor)
		err = attach_executor(r);
	free(notes);
	return err;
}

static struct php_thread *thread_of(struct php_run *r, uint32_t pid, uint32_t tid)
{
	struct php_thread *t;

	for (int i = 0; i < r->nthreads; i++)
		if (r->threads[i]->stack.tid == tid)
			return r->threads[i];
	t = r->nthreads < MAX_THREADS ? calloc(1, sizeof(*t)) : NULL;
	if (!t) {
		r->no_slot++;
		return NULL;
	}
	t->stack.pid = pid;
	t->stack.tid = tid;
	t->matched = true;
	r->threads[r->nthreads++] = t;
	return t;
}

/* A thread's state ends with its request (php-fpm recycles workers, so
 * threads come and go); threads outside requests keep theirs until exit. */
static void thread_free(struct php_run *r, struct php_thread *t)
{
	for (int i = 0; i < r->nthreads; i++)
		if (r->threads[i] == t) {
			r->threads[i] = r->threads[--r->nthreads];
			break;
		}
	php_tree__free(t->tree);
	php_stack_free(&t->stack);
	free(t);
}

static void print_tree(struct php_run *r, struct php_thread *t, uint64_t end_ns)
{
	if (!t->tree || php_tree__empty(t->tree))
		return;
	if (tree_mode && out__format(r->out) == OUT_JSON) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "pid", json_object_new_int64(t->stack.pid));
		json_object_object_add(o, "tid", json_object_new_int64(t->stack.tid));
		json_object_object_add(o, "request",
				       t->in_request ? json_object_new_string(t->req) : NULL);
		if (t->in_request)
			json_object_object_add(
			    o, "dur_us", json_object_new_int64((end_ns - t->req_start_ns) / 1000));
		json_object_object_add(o, "tree", php_tree__json(t->tree));
		out_json_line(stdout, o);
	} else if (tree_mode) {
		if (t->in_request)
			printf("request pid %u tid %u: %s  %.3f ms\n", t->stack.pid, t->stack.tid,
			       t->req, (end_ns - t->req_start_ns) / 1e6);
		else
			printf("pid %u tid %u (no request start seen)\n", t->stack.pid,
			       t->stack.tid);
		php_tree__print(t->tree, stdout);
		printf("\n");
		fflush(stdout);
	}
	if (r->flame)
		php_tree__flame(t->tree, NULL, r->flame);
	php_tree__free(t->tree);
	t->tree = NULL;
}

static void print_row(struct php_run *r, const struct php_stack *s, int depth, uint64_t dur_ns)
{
	const struct php_frame *f = &s->f[depth];

	if (tree_mode || dur_ns < min_us * 1e3)
		return;
	out__row_begin(r->out);
	out__time(r->out, clock_mono_to_wall(f->start_ns));
	out__u64(r->out, s->pid);
	out__u64(r->out, s->tid);
	out__u64(r->out, depth);
	out__double(r->out, dur_ns / 1e3, 1);
	out__str(r->out, f->mech == PHP_MECH_USDT ? "usdt" : "uprobe");
	if (internal_mode)
		out__str(r->out, f->internal ? "internal" : "user");
	out__str(r->out, f->where);
	out__str(r->out, f->call);
	out__row_end(r->out);
}

/* Closes frames depth-1 .. idx. The ones above idx ended without a return
 * of their own (left by an exception, or a generator suspended), and so
 * does idx itself when unwound. */
static void finish_calls(struct php_run *r, struct php_thread *t, int idx, uint64_t end_ns,
			 bool unwound)
{
	struct php_stack *s = &t->stack;
	const char *names[PHP_STACK_MAX];

	for (int i = 0; i < s->depth; i++)
		names[i] = s->f[i].name;
	for (int d = s->depth - 1; d >= idx; d--) {
		uint64_t dur = end_ns > s->f[d].start_ns ? end_ns - s->f[d].start_ns : 0;

		print_row(r, s, d, dur);
		if (!t->tree)
			t->tree = php_tree__new();
		if (t->tree)
			php_tree__add(t->tree, names, d + 1, dur);
		r->calls++;
		r->unwound += d != idx || unwound;
	}
	s->depth = idx;
}

static void on_entry(struct php_run *r, struct php_thread *t, const struct php_call_event *e)
{
	struct php_frame *f = php_stack_push(&t->stack, e->h.frame, e->h.ts_ns);

	if (!f) {
		r->too_deep++;
		return;
	}
	f->mech = e->h.mech;
	f->internal = e->internal;
	php_name_format(e, f->name, sizeof(f->name));
	php_call_format(e, f->call, sizeof(f->call));
	snprintf(f->where, sizeof(f->where), "%.*s:%u", PHP_FILE_LEN, e->file, e->h.line);
}

static void on_request(struct php_run *r, struct php_thread *t, const struct php_req_event *e)
{
	print_tree(r, t, e->h.ts_ns); /* calls seen before this request */
	t->stack.depth = 0;
	t->in_request = true;
	t->matched = e->h.matched;
	t->req_start_ns = e->h.ts_ns;
	r->requests++;
	r->skipped += !e->h.matched;
	if (e->uri[0] && strcmp(e->uri, "-")) /* PHP's USDT writes "-" for none */
		snprintf(t->req, sizeof(t->req), "%.*s %.*s (%.*s)", PHP_METHOD_LEN, e->method,
			 PHP_URI_LEN, e->uri, PHP_FILE_LEN, e->file);
	else
		snprintf(t->req, sizeof(t->req), "%.*s", PHP_FILE_LEN, e->file);
}

static int on_event(void *ctx, const void *data, size_t size)
{
	struct php_run *r = ctx;
	const struct php_hdr *h = data;
	struct php_thread *t;
	int idx;

	if (size < sizeof(*h) || !(t = thread_of(r, h->pid, h->tid)))
		return 0;
	r->last_ns = h->ts_ns > r->last_ns ? h->ts_ns : r->last_ns;
	switch (h->kind) {
	case PHP_EV_ENTRY:
		if (size >= sizeof(struct php_call_event))
			on_entry(r, t, data);
		break;
	case PHP_EV_RETURN:
		idx = php_stack_match(&t->stack, h->frame);
		if (idx < 0)
			r->unpaired++;
		else
			finish_calls(r, t, idx, h->ts_ns, false);
		break;
	case PHP_EV_UNWIND:
		idx = php_stack_match(&t->stack, h->frame);
		if (idx >= 0 && idx + 1 < t->stack.depth)
			finish_calls(r, t, idx + 1, h->ts_ns, true);
		break;
	case PHP_EV_REQ_START:
		if (size >= sizeof(struct php_req_event))
			on_request(r, t, data);
		break;
	case PHP_EV_REQ_END:
		if (t->matched)
			print_tree(r, t, h->ts_ns);
		thread_free(r, t); /* and with it generators left suspended */
		break;
	}
	return 0;
}

/* The sites of php:execute__entry, for php_usdt_exec_entry to tell apart
 * by their page offsets (php.bpf.c). */
static int set_exec_entry_pcs(struct php_run *r)
{
	struct usdt_note *notes = NULL;
	int nnotes = usdt_notes_read(r->path, &notes), found = 0;
	uint64_t pcs[2] = {0, 0};

	for (int i = 0; i < nnotes; i++)
		if (!strcmp(notes[i].provider, "php") && !strcmp(notes[i].name, "execute__entry") &&
		    found++ < 2)
			pcs[found - 1] = notes[i].pc;
	free(notes);
	if (found < 1 || found > 2 || (found == 2 && ((pcs[0] - pcs[1]) & 0xfff) == 0)) {
		log_error("%s: %d php:execute__entry probes at addresses bpfscope cannot tell "
			  "apart: no internal functions through USDT",
			  r->path, found);
		return -ENOTSUP;
	}
	r->skel->rodata->exec_entry_pcs[0] = pcs[0];
	r->skel->rodata->exec_entry_pcs[1] = pcs[found - 1];
	return 0;
}

static int set_rodata(struct php_run *r)
{
	struct php_bpf *s = r->skel;

	s->rodata->layout = r->bin.build->layout;
	s->rodata->eg_vaddr = r->bin.eg;
	s->rodata->dtrace_vaddr = r->bin.dtrace_enabled;
	s->rodata->has_filter = uri_glob || method_glob;
	s->rodata->report_internal = internal_mode;
	if (internal_mode && set_exec_entry_pcs(r))
		return -ENOTSUP;
	if ((uri_glob && strlen(uri_glob) >= PHP_PAT_LEN) ||
	    (method_glob && strlen(method_glob) >= PHP_PAT_LEN)) {
		log_error("--uri/--method patterns are limited to %d bytes", PHP_PAT_LEN - 1);
		return -EINVAL;
	}
	if (uri_glob)
		strcpy((char *)s->rodata->uri_pat, uri_glob);
	if (method_glob)
		strcpy((char *)s->rodata->method_pat, method_glob);
	return 0;
}

/* With -p the process's environment decides; without, both are attached
 * and the kernel side picks per process (php.bpf.c). */
static void choose_mechanism(struct php_run *r)
{
	bool dtrace = r->opts->pid && dtrace_env(r->opts->pid);

	r->usdt = !r->opts->pid || dtrace;
	r->executor = !r->opts->pid || !dtrace;
	/* not a warning: which mechanism runs is part of the answer */
	if (r->opts->pid)
		fprintf(stderr, "bpfscope php: PHP %s in %s, pid %d: %s\n", r->bin.version, r->path,
			r->opts->pid,
			dtrace ? "USE_ZEND_DTRACE=1, tracing through the USDT probes"
			       : "tracing through uprobes on the VM's call/return handlers");
	else
		fprintf(stderr,
			"bpfscope php: PHP %s in %s: USDT probes in processes with "
			"USE_ZEND_DTRACE=1, VM handler uprobes in the others\n",
			r->bin.version, r->path);
}

static void finish(struct php_run *r)
{
	while (r->nthreads) {
		struct php_thread *t = r->threads[r->nthreads - 1];

		if (t->matched)
			print_tree(r, t, r->last_ns);
		thread_free(r, t);
	}
	if (r->flame && flame_path) {
		FILE *f = fopen(flame_path, "w");
		size_t n = strlen(flame_path);
		struct flame_svg_opts so = {.title = "PHP calls (self time)", .unit = "us"};

		if (!f)
			log_error("cannot write %s: %s", flame_path, strerror(errno));
		else if (n > 4 && !strcmp(flame_path + n - 4, ".svg"))
			flame__write_svg(r->flame, f, &so);
		else
			flame__write_folded(r->flame, f);
		if (f)
			fclose(f);
	}
	fprintf(stderr,
		"php: %llu calls (%llu left without a return), %llu returns without entry, "
		"%llu requests (%llu filtered out), %llu calls beyond depth %d, %llu events "
		"past %d threads\n",
		(unsigned long long)r->calls, (unsigned long long)r->unwound,
		(unsigned long long)r->unpaired, (unsigned long long)r->requests,
		(unsigned long long)r->skipped, (unsigned long long)r->too_deep, PHP_STACK_MAX,
		(unsigned long long)r->no_slot, MAX_THREADS);
}

static int trace(struct php_run *r)
{
	struct session s = {0};
	int err;

	if (!feature_has(FEAT_BPF_COOKIE)) {
		/* each probe site tells its program its address through the cookie */
		log_error("needs BPF cookies (Linux 5.15 or later): %s",
			  feature_detail(FEAT_BPF_COOKIE));
		return -ENOTSUP;
	}
	r->skel = php_bpf__open();
	if (!r->skel) {
		log_error("cannot open BPF object");
		return -ENOMEM;
	}
	err = set_rodata(r);
	if (err)
		return err;
	/* a call event is ~560 bytes and a busy PHP makes tens of thousands a
	 * second: 8 MiB hold ~15,000 between two drains */
	bpf_map__set_max_entries(r->skel->maps.events, 8 << 20);
	uprobe_manual(r->skel->obj);
	choose_mechanism(r);
	r->multi = r->executor && feature_has(FEAT_UPROBE_MULTI);
	if (internal_mode && r->executor && r->bin.nicall < 0) {
		log_error("%s: internal functions through uprobes: %s (run PHP with "
			  "USE_ZEND_DTRACE=1)",
			  r->path, r->bin.icall_why);
		return -ENOTSUP;
	}
	if (r->multi) {
		uprobe_multi_prepare(r->skel->progs.php_icall);
		uprobe_multi_prepare(r->skel->progs.php_ireturn);
		uprobe_multi_prepare(r->skel->progs.php_call);
		uprobe_multi_prepare(r->skel->progs.php_callee);
		uprobe_multi_prepare(r->skel->progs.php_return);
		uprobe_multi_prepare(r->skel->progs.php_execute);
		uprobe_multi_prepare(r->skel->progs.php_unwind);
	}
	err = session_start_attach(&s, r->skel->skeleton, r->opts, attach_all, r);
	if (!err) {
		r->out = internal_mode
			     ? out__new(stdout, r->opts->format, columns_internal,
					sizeof(columns_internal) / sizeof(columns_internal[0]))
			     : out__new(stdout, r->opts->format, columns,
					sizeof(columns) / sizeof(columns[0]));
		err = session_events(&s, on_event, r);
	}
	if (!err) {
		if (!tree_mode)
			out__header(r->out);
		err = session_run(&s, NULL, NULL);
	}
	detach_all(r);
	if (!err)
		finish(r);
	session_end(&s);
	return err;
}

static int run(const struct common_opts *opts, int argc, char **argv)
{
	struct php_run *r = calloc(1, sizeof(*r));
	int err;

	if (!r)
		return 1;
	r->opts = opts;
	err = find_binary(r, argc > 0 ? argv[0] : NULL);
	if (!err && flame_path)
		r->flame = flame__new();
	if (!err)
		err = trace(r);
	while (r->nthreads) /* after an error: finish() did not run */
		thread_free(r, r->threads[0]);
	detach_all(r);
	out__free(r->out);
	flame__free(r->flame);
	php_bpf__destroy(r->skel);
	free(r);
	return err ? 1 : 0;
}

static const struct command cmd_php = {&spec, run, true};
REGISTER_COMMAND(cmd_php);
