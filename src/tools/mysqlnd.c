/* bpfscope mysqlnd: SQL statements of PHP's MySQL driver (mysqli, PDO
 * mysql) from uprobes on mysqlnd's own methods: text, duration, error
 * number, affected rows, and the PHP request that sent them.
 *
 * The story: find mysqlnd.so (argument, the traced process's mapping, or
 * Debian's extension directory), locate conn_data::query and the
 * statement's prepare and execute through its method tables
 * (mysqlnd_layout.c), attach an entry and a return probe to each (the
 * cookie says which method), and the PHP binary's request__startup /
 * request__shutdown USDT probes so each call knows its request; print one
 * row per call when it returns. An execute shows the text of the prepare
 * of the same statement. Unlike `bpfscope sql` (the wire), this sees the
 * calls PHP makes whatever the transport (TLS included), and the time
 * PHP spends in them, client-side buffering of the result included. */
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <json-c/json.h>

#include "bpf/mysqlnd.h"
#include "core/clock.h"
#include "core/cmd.h"
#include "core/elfnotes.h"
#include "core/libpath.h"
#include "core/log.h"
#include "core/output.h"
#include "core/session.h"
#include "core/sqlnorm.h"
#include "core/uprobe.h"
#include "mysqlnd.skel.h"
#include "tools/mysqlnd_layout.h"

static const char *php_arg;
static int text_len = 200;
static bool redact;
static double min_ms;

static const struct opt_def options[] = {
    {"php", 0, OPT_STRING, &php_arg, "BINARY",
     "PHP binary whose requests the calls belong to (default with -p: the process's)"},
    {"text-len", 't', OPT_INT, &text_len, "N", "show at most N characters of SQL (default 200)", 8,
     MND_TEXT_MAX},
    {"redact", 0, OPT_FLAG, &redact, NULL, "replace SQL literals (strings, numbers) with ?"},
    {"min-ms", 0, OPT_DOUBLE, &min_ms, "MS", "show only calls slower than MS", 0, 1e9},
    {0},
};

static const struct cmd_spec spec = {
    .name = "mysqlnd",
    .summary = "SQL of PHP's mysqlnd (mysqli, PDO): text, duration, errors, per request",
    .args = "[MYSQLND_SO]",
    .details = "Uprobes on mysqlnd's conn_data::query and the statement's prepare and "
	       "execute, found through its method tables (Debian's mysqlnd.so exports no "
	       "query function). MYSQLND_SO defaults to the one the -p process maps, else "
	       "/usr/lib/php/*/mysqlnd.so. See docs/protocols.md.",
    .opts = options,
    .common = COMMON_TARGET | COMMON_DURATION | COMMON_OUTPUT,
    .max_args = 1,
};

static const struct out_col columns[] = {
    {"time", "TIME", -15},	  {"pid", "PID", 7},	{"tid", "TID", 7},
    {"latency_ms", "LAT(ms)", 9}, {"call", "CALL", -8}, {"result", "RESULT", -14},
    {"request", "REQUEST", -24},  {"text", "TEXT", 0},
};

#define STMT_SLOTS 1024 /* prepared statements remembered (text for execute) */
#define LINKS_MAX  12

struct stmt_text {
	uint32_t pid;
	uint64_t stmt;
	char *text;
};

struct mnd_run {
	const struct common_opts *opts;
	struct mysqlnd_bpf *skel;
	struct mysqlnd_lib lib;
	char path[4096], php[4096];
	bool requests; /* request probes attached */
	struct bpf_link *links[LINKS_MAX];
	int nlinks;
	struct out *out;
	struct stmt_text stmts[STMT_SLOTS];
	uint64_t calls[4], errors, unknown_stmt, truncated;
};

static const char *const call_names[] = {"?",	    "query",	  "prepare",
					 "execute", "send_query", "reap_query"};

/* Debian's extension directory holds one API's modules. */
static int default_library(char *out, size_t len)
{
	glob_t g;
	int err = -ENOENT;

	if (!glob("/usr/lib/php/*/mysqlnd.so", 0, NULL, &g) && g.gl_pathc == 1 &&
	    (size_t)snprintf(out, len, "%s", g.gl_pathv[0]) < len)
		err = 0;
	globfree(&g);
	return err;
}

static int find_library(struct mnd_run *r, const char *arg)
{
	int pid = r->opts->pid;

	if (arg) {
		if (libpath_resolve(arg, pid, r->path, sizeof(r->path))) {
			log_error("cannot find %s", arg);
			return -ENOENT;
		}
	} else if (pid && libpath_resolve("mysqlnd.so", pid, r->path, sizeof(r->path))) {
		char proc[32];

		snprintf(proc, sizeof(proc), "/proc/%d", pid);
		if (access(proc, F_OK)) {
			log_error("no process %d", pid);
			return -ESRCH;
		}
		log_error("process %d has no mysqlnd.so mapped (not PHP, or no mysqli/pdo_mysql)",
			  pid);
		return -ENOENT;
	} else if (!pid && default_library(r->path, sizeof(r->path))) {
		log_error("no /usr/lib/php/*/mysqlnd.so: give the library's path");
		return -ENOENT;
	}
	return mysqlnd_lib_open(r->path, NULL, &r->lib) ? -ENOTSUP : 0;
}

/* The PHP binary for request__startup: --php, else the process's libphp
 * (mod_php) or executable. Empty when unknown. */
static void find_php(struct mnd_run *r)
{
	int pid = r->opts->pid;
	char exe[64], target[4000];
	ssize_t n;

	r->php[0] = 0;
	if (php_arg) {
		if (libpath_resolve(php_arg, pid, r->php, sizeof(r->php)))
			r->php[0] = 0;
		return;
	}
	if (!pid || !libpath_resolve("libphp8.2.so", pid, r->php, sizeof(r->php)))
		return;
	snprintf(exe, sizeof(exe), "/proc/%d/exe", pid);
	n = readlink(exe, target, sizeof(target) - 1);
	if (n > 0) {
		target[n] = 0;
		snprintf(r->php, sizeof(r->php), "/proc/%d/root%s", pid, target);
	}
}

static int add_link(struct mnd_run *r, struct bpf_link *link, const char *what, const char *path)
{
	if (!link) {
		int err = -errno;

		log_error("cannot attach %s to %s: %s", what, path, strerror(errno));
		return err;
	}
	r->links[r->nlinks++] = link;
	return 0;
}

/* Entry probe, and the return probe when with_return. */
static int attach_method(struct mnd_run *r, uint64_t vaddr, enum mnd_kind kind, bool with_return)
{
	uint64_t off;
	int err = 0;

	if (mysqlnd_lib_offset(&r->lib, vaddr, &off)) {
		log_error("%s: address 0x%llx outside the file", r->path,
			  (unsigned long long)vaddr);
		return -ERANGE;
	}
	for (int ret = 0; !err && ret < 1 + with_return; ret++) {
		LIBBPF_OPTS(bpf_uprobe_opts, uo, .bpf_cookie = kind, .retprobe = ret);
		struct bpf_program *prog =
		    ret ? r->skel->progs.mnd_return : r->skel->progs.mnd_entry;

		err = add_link(
		    r, bpf_program__attach_uprobe_opts(prog, r->opts->pid ?: -1, r->path, off, &uo),
		    call_names[kind], r->path);
	}
	return err;
}

/* Request probes are a bonus: a PHP without them still gets its SQL. */
static void attach_requests(struct mnd_run *r)
{
	struct usdt_note *notes = NULL;
	int n, found = 0;

	if (!r->php[0])
		return;
	n = usdt_notes_read(r->php, &notes);
	for (int i = 0; i < n; i++)
		if (!strcmp(notes[i].provider, "php") &&
		    (!strcmp(notes[i].name, "request__startup") ||
		     !strcmp(notes[i].name, "request__shutdown")))
			found++;
	free(notes);
	if (found != 2) {
		log_warn("%s has no php:request__startup/shutdown probes: no request column",
			 r->php);
		return;
	}
	if (add_link(r,
		     bpf_program__attach_usdt(r->skel->progs.mnd_req_start, r->opts->pid ?: -1,
					      r->php, "php", "request__startup", NULL),
		     "request__startup", r->php) ||
	    add_link(r,
		     bpf_program__attach_usdt(r->skel->progs.mnd_req_end, r->opts->pid ?: -1,
					      r->php, "php", "request__shutdown", NULL),
		     "request__shutdown", r->php))
		return;
	r->requests = true;
}

static int attach_all(void *ctx)
{
	struct mnd_run *r = ctx;
	int err = attach_method(r, r->lib.query, MND_QUERY, true)
		      ?: attach_method(r, r->lib.prepare, MND_PREPARE, true)
		      ?: attach_method(r, r->lib.execute, MND_EXECUTE, true)
		      ?: attach_method(r, r->lib.send_query, MND_SEND, false)
		      ?: attach_method(r, r->lib.reap_query, MND_REAP, true);

	if (!err)
		attach_requests(r);
	return err;
}

static struct stmt_text *stmt_slot(struct mnd_run *r, uint32_t pid, uint64_t stmt)
{
	uint64_t h = (stmt >> 4) * 0x9e3779b97f4a7c15ULL ^ pid;

	return &r->stmts[(h >> 20) % STMT_SLOTS];
}

/* The SQL of the event: its own text, or for execute its prepare's. */
static const char *event_sql(struct mnd_run *r, const struct mnd_event *e, char *buf, size_t len)
{
	struct stmt_text *s = stmt_slot(r, e->pid, e->obj);
	size_t n = e->text_len < MND_TEXT_MAX ? e->text_len : MND_TEXT_MAX;

	if (e->kind == MND_EXECUTE) {
		if (s->text && s->pid == e->pid && s->stmt == e->obj)
			return s->text;
		r->unknown_stmt++;
		return "(prepared before tracing)";
	}
	if (n >= len)
		n = len - 1;
	memcpy(buf, e->text, n);
	buf[n] = 0;
	if (e->text_len > n)
		r->truncated++;
	if (e->kind == MND_PREPARE && e->status == 0) {
		free(s->text);
		*s = (struct stmt_text){e->pid, e->obj, strdup(buf)};
	}
	return buf;
}

static void result_text(const struct mnd_event *e, char *buf, size_t len)
{
	if (e->error)
		snprintf(buf, len, "ERR %u", e->error);
	else if (e->status)
		snprintf(buf, len, "FAIL");
	else if (e->kind == MND_PREPARE)
		snprintf(buf, len, "stmt=%u", e->stmt_id);
	else if (e->affected != ~0ULL)
		snprintf(buf, len, "affected=%llu%s", (unsigned long long)e->affected,
			 e->async ? " async" : "");
	else
		snprintf(buf, len, "OK%s", e->async ? " async" : "");
}

static struct json_object *result_json(const struct mnd_event *e)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "ok", json_object_new_boolean(e->status == 0));
	json_object_object_add(o, "error", json_object_new_int64(e->error));
	if (e->affected != ~0ULL && e->kind != MND_PREPARE)
		json_object_object_add(o, "affected", json_object_new_int64((int64_t)e->affected));
	if (e->kind != MND_QUERY)
		json_object_object_add(o, "stmt_id", json_object_new_int64(e->stmt_id));
	if (e->async)
		json_object_object_add(o, "async", json_object_new_boolean(1));
	return o;
}

/* "GET /shop/cart.php", or the script path for the CLI (URI "-"). */
static void request_text(const struct mnd_event *e, char *buf, size_t len)
{
	const struct mnd_request *q = &e->req;
	bool no_uri = !q->uri[0] || !strcmp(q->uri, "-");

	if (!e->has_req)
		snprintf(buf, len, "-");
	else if (no_uri)
		snprintf(buf, len, "%.*s", MND_FILE_LEN, q->file);
	else
		snprintf(buf, len, "%.*s %.*s", MND_METHOD_LEN,
			 strcmp(q->method, "-") ? q->method : "", MND_URI_LEN, q->uri);
}

static void print_event(struct mnd_run *r, const struct mnd_event *e, const char *sql)
{
	char text[MND_TEXT_MAX + 8], redacted[MND_TEXT_MAX + 1], result[48], req[320];

	if (redact) {
		sql_redact(sql, redacted, sizeof(redacted));
		sql = redacted;
	}
	snprintf(text, sizeof(text), "%.*s%s", text_len, sql,
		 strlen(sql) > (size_t)text_len ||
			 (e->kind != MND_EXECUTE && e->text_len > MND_TEXT_MAX)
		     ? "..."
		     : "");
	request_text(e, req, sizeof(req));
	out__row_begin(r->out);
	out__time(r->out, clock_mono_to_wall(e->start_ns));
	out__u64(r->out, e->pid);
	out__u64(r->out, e->tid);
	out__double(r->out, (e->end_ns - e->start_ns) / 1e6, 3);
	out__str(r->out, call_names[e->kind]);
	if (out__format(r->out) == OUT_JSON) {
		out__json(r->out, result_json(e));
	} else {
		result_text(e, result, sizeof(result));
		out__str(r->out, result);
	}
	out__str(r->out, req);
	out__str(r->out, text);
	out__row_end(r->out);
}

static int on_event(void *ctx, const void *data, size_t size)
{
	const struct mnd_event *e = data;
	struct mnd_run *r = ctx;
	char buf[MND_TEXT_MAX + 1];
	const char *sql;

	if (size < sizeof(*e) || e->kind < MND_QUERY || e->kind > MND_EXECUTE)
		return 0;
	r->calls[e->kind]++;
	r->errors += e->error != 0;
	sql = event_sql(r, e, buf, sizeof(buf));
	if (e->end_ns - e->start_ns >= min_ms * 1e6)
		print_event(r, e, sql);
	fflush(stdout);
	return 0;
}

static int session_loop(struct mnd_run *r)
{
	struct session s = {0};
	int err;

	uprobe_manual(r->skel->obj);
	err = session_start_attach(&s, r->skel->skeleton, r->opts, attach_all, r);
	if (!err) {
		r->out = out__new(stdout, r->opts->format, columns,
				  sizeof(columns) / sizeof(columns[0]));
		err = r->out ? session_events(&s, on_event, r) : -1;
	}
	if (!err) {
		out__header(r->out);
		err = session_run(&s, NULL, NULL);
	}
	if (!err)
		fprintf(
		    stderr,
		    "bpfscope mysqlnd: %llu queries, %llu prepares, %llu executes (%llu of "
		    "statements "
		    "prepared before tracing), %llu with an error, %llu texts cut at %d bytes\n",
		    (unsigned long long)r->calls[MND_QUERY],
		    (unsigned long long)r->calls[MND_PREPARE],
		    (unsigned long long)r->calls[MND_EXECUTE], (unsigned long long)r->unknown_stmt,
		    (unsigned long long)r->errors, (unsigned long long)r->truncated, MND_TEXT_MAX);
	session_end(&s);
	out__free(r->out);
	return err ? 1 : 0;
}

static int run(const struct common_opts *opts, int argc, char **argv)
{
	struct mnd_run *r = calloc(1, sizeof(*r));
	int rc = 1;

	if (!r) {
		log_error("out of memory");
		return 1;
	}
	r->opts = opts;
	if (!find_library(r, argc ? argv[0] : NULL)) {
		find_php(r);
		fprintf(stderr,
			"bpfscope mysqlnd: mysqlnd %s in %s: query 0x%llx, prepare 0x%llx, "
			"execute 0x%llx%s%s\n",
			r->lib.version, r->path, (unsigned long long)r->lib.query,
			(unsigned long long)r->lib.prepare, (unsigned long long)r->lib.execute,
			r->php[0] ? "; requests from " : "", r->php);
		r->skel = mysqlnd_bpf__open();
		if (!r->skel)
			log_error("cannot open BPF object");
	}
	if (r->skel) {
		r->skel->rodata->layout = r->lib.build->layout;
		rc = session_loop(r);
	}
	for (int i = 0; i < r->nlinks; i++)
		bpf_link__destroy(r->links[i]);
	mysqlnd_bpf__destroy(r->skel);
	for (int i = 0; i < STMT_SLOTS; i++)
		free(r->stmts[i].text);
	free(r);
	return rc;
}

static const struct command cmd = {&spec, run, true};
REGISTER_COMMAND(cmd);
