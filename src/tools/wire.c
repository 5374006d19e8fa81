/* bpfscope wire (and its views `sql` and `cache`): MySQL statements and
 * memcached commands of traced processes, recovered from the bytes they
 * read and write on their sockets (src/bpf/wire.bpf.c), whatever client
 * library they use. One row per operation (request sent to end of
 * response) with peer, latency, rows or error code, keys and hits/misses;
 * or, with --stats, per normalized statement / command aggregates. The
 * protocol parsers live in core/ (proto_mysql, proto_memcache, wireconn)
 * so request spans can use them too. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>
#include <json-c/json.h>

#include "bpf/wire.h"
#include "core/clock.h"
#include "core/cmd.h"
#include "core/container.h"
#include "core/log.h"
#include "core/output.h"
#include "core/session.h"
#include "core/sqlnorm.h"
#include "core/wireconn.h"
#include "wire.skel.h"
#include "wire_stats.h"

#define PROTO_BIT(p) (1u << (p))
#define ALL_PROTOS   (PROTO_BIT(WIRE_PROTO_MYSQL) | PROTO_BIT(WIRE_PROTO_MEMCACHE))

static unsigned protos = ALL_PROTOS;
static int capture_bytes = 16384;
static int text_len = 200;
static bool redact;
static bool stats_mode;
static double min_ms;
static int mysql_port = 3306;
static int memcache_port = 11211;

static int parse_protos(const char *arg, void *dest)
{
	unsigned *set = dest;

	if (!strcmp(arg, "mysql"))
		*set = PROTO_BIT(WIRE_PROTO_MYSQL);
	else if (!strcmp(arg, "memcache") || !strcmp(arg, "memcached"))
		*set = PROTO_BIT(WIRE_PROTO_MEMCACHE);
	else if (!strcmp(arg, "all"))
		*set = ALL_PROTOS;
	else {
		log_error("--proto: '%s' is not one of mysql, memcache, all", arg);
		return -1;
	}
	return 0;
}

static const struct opt_def options[] = {
    {"proto", 0, OPT_CUSTOM, &protos, "P", "mysql, memcache or all (default all)", 0, 0,
     parse_protos},
    {"stats", 0, OPT_FLAG, &stats_mode, NULL,
     "aggregate per normalized statement / command (every -i and at exit)"},
    {"redact", 0, OPT_FLAG, &redact, NULL, "replace SQL literals (strings, numbers) with ?"},
    {"text-len", 't', OPT_INT, &text_len, "N",
     "show at most N characters of statements and keys (default 200)", 8, WIRE_TEXT_MAX - 1},
    {"bytes", 'b', OPT_INT, &capture_bytes, "N",
     "copy at most N bytes of each socket read/write (default 16384)", 64, WIRE_DATA_MAX},
    {"min-ms", 0, OPT_DOUBLE, &min_ms, "MS", "show only operations slower than MS", 0, 1e9},
    {"mysql-port", 0, OPT_INT, &mysql_port, "PORT",
     "port taken as MySQL without looking (default 3306, 0: none)", 0, 65535},
    {"memcache-port", 0, OPT_INT, &memcache_port, "PORT",
     "port taken as memcached without looking (default 11211, 0: none)", 0, 65535},
    {0},
};

#define WIRE_DETAILS                                                                               \
	"Reads the socket syscalls of the traced processes (read/write, readv/writev,\n"           \
	"sendto/recvfrom, sendmsg/recvmsg) and parses the MySQL client protocol and the\n"         \
	"memcached text and meta protocols in user space; other ports are recognised\n"            \
	"by their content. Latency: request sent to the end of the response. Client\n"             \
	"credentials of the MySQL handshake are dropped in the kernel. See docs/protocols.md."

#define WIRE_COMMON (COMMON_TARGET | COMMON_K8S | COMMON_DURATION | COMMON_INTERVAL | COMMON_OUTPUT)

static const struct cmd_spec wire_spec = {
    .name = "wire",
    .summary = "MySQL statements and memcached commands from the socket I/O of processes",
    .details = WIRE_DETAILS,
    .opts = options,
    .common = WIRE_COMMON,
    .max_args = 0,
};
static const struct cmd_spec sql_spec = {
    .name = "sql",
    .summary = "MySQL statements from the wire: text, latency, rows, errors (wire --proto mysql)",
    .details = WIRE_DETAILS,
    .opts = options + 1, /* no --proto */
    .common = WIRE_COMMON,
    .max_args = 0,
};
static const struct cmd_spec cache_spec = {
    .name = "cache",
    .summary = "memcached commands from the wire: keys, hits, latency (wire --proto memcache)",
    .details = WIRE_DETAILS,
    .opts = options + 1, /* no --proto */
    .common = WIRE_COMMON,
    .max_args = 0,
};

static const struct out_col columns[] = {
    {"time", "TIME", -15},  {"pid", "PID", 7},	       {"comm", "COMM", -16},
    {"proto", "PROTO", -8}, {"peer", "PEER", -21},     {"latency_ms", "LAT(ms)", 9},
    {"cmd", "CMD", -17},    {"result", "RESULT", -14}, {"text", "TEXT", 0},
};

struct wire_run {
	struct out *out;
	const struct common_opts *opts;
	struct wireconn *conns;
	struct wire_stats *stats;
	unsigned auth_cut; /* client auth packets BPF cut to their header */
};

static void result_text(const struct wire_op *op, char *buf, size_t len)
{
	const char *mark = op->incomplete ? "?" : "";

	if (op->proto == WIRE_PROTO_MYSQL && op->error)
		snprintf(buf, len, "ERR %u", op->error);
	else if (op->proto == WIRE_PROTO_MYSQL && op->rows >= 0)
		snprintf(buf, len, "rows=%lld%s", (long long)op->rows, mark);
	else if (op->proto == WIRE_PROTO_MYSQL && op->affected >= 0)
		snprintf(buf, len, "affected=%lld", (long long)op->affected);
	else if (!strcmp(op->cmd, "COM_STMT_PREPARE") && op->stmt_id)
		snprintf(buf, len, "stmt=%u%s", op->stmt_id, mark);
	else if (op->keys && (op->hits || op->misses))
		snprintf(buf, len, "hit=%u miss=%u%s", op->hits, op->misses, mark);
	else
		snprintf(buf, len, "%s%s",
			 op->no_response ? "-"
			 : op->status[0] ? op->status
					 : "OK",
			 mark);
}

static struct json_object *result_json(const struct wire_op *op)
{
	struct json_object *r = json_object_new_object();

	if (op->rows >= 0)
		json_object_object_add(r, "rows", json_object_new_int64(op->rows));
	if (op->affected >= 0)
		json_object_object_add(r, "affected", json_object_new_int64(op->affected));
	if (op->error)
		json_object_object_add(r, "error", json_object_new_int64(op->error));
	if (op->status[0])
		json_object_object_add(r, op->error ? "message" : "status",
				       json_object_new_string(op->status));
	if (op->keys) {
		json_object_object_add(r, "keys", json_object_new_int64(op->keys));
		json_object_object_add(r, "hits", json_object_new_int64(op->hits));
		json_object_object_add(r, "misses", json_object_new_int64(op->misses));
	}
	if (op->stmt_id)
		json_object_object_add(r, "stmt_id", json_object_new_int64(op->stmt_id));
	if (op->no_response)
		json_object_object_add(r, "no_response", json_object_new_boolean(1));
	if (op->incomplete)
		json_object_object_add(r, "incomplete", json_object_new_boolean(1));
	return r;
}

/* The text to show: redacted when asked, cut to --text-len. */
static void shown_text(const struct wire_op *op, char *buf, size_t len)
{
	char redacted[WIRE_TEXT_MAX];
	const char *text = op->text;
	size_t max = (size_t)text_len < len - 4 ? (size_t)text_len : len - 4;

	if (redact && op->proto == WIRE_PROTO_MYSQL) {
		sql_redact(op->text, redacted, sizeof(redacted));
		text = redacted;
	}
	snprintf(buf, len, "%.*s%s", (int)max, text,
		 strlen(text) > max || op->text_truncated ? "..." : "");
}

static void on_op(void *ctx, const struct wire_conninfo *conn, const struct wire_op *op)
{
	struct wire_run *r = ctx;
	char text[WIRE_TEXT_MAX + 8], result[WIRE_STATUS_MAX + 32];
	uint64_t ns = op->end_ns - op->start_ns;

	if (ns < min_ms * 1e6)
		return;
	if (r->stats) {
		wire_stats__add(r->stats, op);
		return;
	}
	shown_text(op, text, sizeof(text));
	out__row_begin(r->out);
	out__time(r->out, clock_mono_to_wall(op->start_ns));
	out__u64(r->out, conn->pid);
	out__str(r->out, conn->comm);
	out__str(r->out, op->proto == WIRE_PROTO_MYSQL ? "mysql" : "memcache");
	out__str(r->out, conn->peer);
	out__double(r->out, ns / 1e6, 3);
	out__str(r->out, op->cmd);
	if (out__format(r->out) == OUT_JSON) {
		out__json(r->out, result_json(op));
	} else {
		result_text(op, result, sizeof(result));
		out__str(r->out, result);
	}
	if (r->opts->k8s)
		k8s_out(r->out, conn->cgroup_id, conn->pid);
	out__str(r->out, text);
	out__row_end(r->out);
}

static int on_event(void *ctx, const void *data, size_t size)
{
	const struct wire_event *e = data;
	struct wire_run *r = ctx;

	if (size >= sizeof(*e) && (e->flags & WIRE_F_AUTH_DROPPED))
		r->auth_cut++;
	wireconn__feed_event(r->conns, e, size);
	fflush(stdout);
	return 0;
}

static int on_tick(void *ctx)
{
	struct wire_run *r = ctx;

	if (!r->stats)
		return 0;
	if (r->opts->format == OUT_TEXT) {
		char now[32];

		clock_format_time(clock_wall_ns(), now, sizeof(now));
		printf("\n%s\n", now);
	}
	wire_stats__print(r->stats, stdout, r->opts->format, text_len);
	wire_stats__clear(r->stats);
	return 0;
}

static int session_loop(struct wire_run *r, struct wire_bpf *skel)
{
	struct out_col cols[sizeof(columns) / sizeof(columns[0]) + 3];
	int ncols = k8s_columns(columns, sizeof(columns) / sizeof(columns[0]), r->opts->k8s, cols);
	struct session s = {0};
	int err = session_start(&s, skel->skeleton, r->opts);

	if (!err) {
		r->out = out__new(stdout, r->opts->format, cols, ncols);
		err = r->out ? session_events(&s, on_event, r) : -1;
	}
	if (!err) {
		if (!r->stats)
			out__header(r->out);
		err = session_run(&s, on_tick, r);
	}
	if (!err) {
		unsigned followed, ignored;

		wireconn__flush(r->conns);
		wireconn__counts(r->conns, &followed, &ignored);
		log_info("%u connections followed, %u without a known protocol", followed, ignored);
		log_info("%u client auth packets cut to their header in the kernel", r->auth_cut);
		if (r->stats)
			on_tick(r);
	}
	session_end(&s);
	out__free(r->out);
	return err ? 1 : 0;
}

static int run_protos(const struct common_opts *opts, unsigned chosen)
{
	struct wire_bpf *skel = wire_bpf__open();
	struct wireconn_opts wo = {chosen, mysql_port, memcache_port};
	struct wire_run r = {NULL, opts, NULL, NULL, 0};
	int rc = 1;

	if (!skel) {
		log_error("cannot open BPF object");
		return 1;
	}
	skel->rodata->capture_bytes = capture_bytes;
	if (bpf_map__set_max_entries(skel->maps.scratch, libbpf_num_possible_cpus())) {
		log_error("cannot size the capture buffers");
		wire_bpf__destroy(skel);
		return 1;
	}
	r.conns = wireconn__new(&wo, on_op, &r);
	r.stats = stats_mode ? wire_stats__new() : NULL;
	if (r.conns && (!stats_mode || r.stats))
		rc = session_loop(&r, skel);
	wire_stats__free(r.stats);
	wireconn__free(r.conns);
	wire_bpf__destroy(skel);
	return rc;
}

static int run_wire(const struct common_opts *opts, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return run_protos(opts, protos);
}

static int run_sql(const struct common_opts *opts, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return run_protos(opts, PROTO_BIT(WIRE_PROTO_MYSQL));
}

static int run_cache(const struct common_opts *opts, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return run_protos(opts, PROTO_BIT(WIRE_PROTO_MEMCACHE));
}

static const struct command cmd_wire = {&wire_spec, run_wire, true};
static const struct command cmd_sql = {&sql_spec, run_sql, true};
static const struct command cmd_cache = {&cache_spec, run_cache, true};
REGISTER_COMMAND(cmd_wire);
REGISTER_COMMAND(cmd_sql);
REGISTER_COMMAND(cmd_cache);
