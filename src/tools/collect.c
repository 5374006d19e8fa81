/* bpfscope collect: receives boundary records from `bpfscope net --export`
 * agents (or a file of the same lines), stores them in SQLite
 * (collect_store.h), and at the end joins all hosts (net_join.c) into
 * per-direction app-to-app, TX host, network, relay and RX host latency.
 *
 * One process, one poll loop: a listening TCP socket and up to MAX_AGENTS
 * agent streams, each parsed line by line. A malformed line ends that
 * agent's stream with one error line naming it (the rest of the collector
 * keeps running); with --input a malformed line is fatal. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/cmd.h"
#include "core/endpoint.h"
#include "core/log.h"
#include "tools/collect_live.h"
#include "tools/collect_store.h"
#include "tools/net_report.h"
#include "tools/net_serve.h"
#include "core/serve.h"

#define MAX_AGENTS     64
#define LINE_MAX_BYTES 512

static const char *listen_opt = "127.0.0.1:7878", *db_opt = "bpfscope-net.db", *input_opt;
static int agents_opt;
static double slow_ms, max_age_s = 5;
static bool hist_opt, series_opt;

static const struct opt_def options[] = {
    {"listen", 'l', OPT_STRING, &listen_opt, "ADDR:PORT",
     "where agents connect (default 127.0.0.1:7878, or unix:PATH)"},
    {"db", 0, OPT_STRING, &db_opt, "FILE", "SQLite database (default bpfscope-net.db)"},
    {"input", 0, OPT_STRING, &input_opt, "FILE",
     "read one agent stream from FILE ('-': stdin) instead of listening"},
    {"agents", 0, OPT_INT, &agents_opt, "N", "stop after N agents finished their streams", 1,
     MAX_AGENTS},
    {"slow", 0, OPT_DOUBLE, &slow_ms, "MS", "print messages slower than MS milliseconds", 0.001,
     1e9},
    {"hist", 0, OPT_FLAG, &hist_opt, NULL, "print log2 histograms per flow and segment"},
    {"series", 0, OPT_FLAG, &series_opt, NULL, "print the per-second time series"},
    {"max-age", 0, OPT_DOUBLE, &max_age_s, "SECONDS",
     "-i: an incomplete chain waits this long for its receive (default 5)", 0.1, 3600},
    {0},
};

static const struct cmd_spec spec = {
    .name = "collect",
    .summary = "join `net --export` records of several hosts into one-way latency per direction",
    .details = "Stores every record in SQLite (schema in docs/net.md) and, at the end (-d, "
	       "--agents, Ctrl-C), reports per direction: app-to-app one-way latency, TX host "
	       "(1->2), network (2 on the sender -> 3 on the receiver), relay dwell (3->2 on a "
	       "host that forwards the same bytes) and RX host (3->4).",
    .opts = options,
    .common = COMMON_DURATION | COMMON_INTERVAL | COMMON_OUTPUT | COMMON_OTLP,
    .max_args = 0,
};

struct agent {
	int fd;
	int64_t host_id; /* -1 until the hello */
	char name[NET_HOST_MAX];
	uint64_t line_no;
	size_t used;
	char buf[64 * 1024];
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = sig;
}

/* One line of an agent's stream; < 0 after one error line. */
static int agent_line(struct store *st, struct agent *a, const char *line)
{
	union net_line l;
	char err[160];
	int kind = net_line_parse(line, &l, err, sizeof(err));

	a->line_no++;
	if (kind < 0 || (kind != NET_LINE_HELLO && a->host_id < 0) ||
	    (kind == NET_LINE_HELLO && a->host_id >= 0)) {
		log_error("agent %s: line %llu: %s", a->name, (unsigned long long)a->line_no,
			  kind < 0 ? err : "stream must start with exactly one H line");
		if (a->host_id >= 0)
			store__rejected(st, a->host_id);
		return -1;
	}
	switch (kind) {
	case NET_LINE_HELLO:
		snprintf(a->name, sizeof(a->name), "%s", l.hello.host);
		a->host_id = store__hello(st, &l.hello);
		return a->host_id < 0 ? -1 : 0;
	case NET_LINE_REC: return store__record(st, a->host_id, &l.rec);
	default: return store__stats(st, a->host_id, &l.stats) ? -1 : 1; /* 1: finished */
	}
}

/* Consumes complete lines of the buffer: 1 finished, < 0 error. */
static int agent_drain(struct store *st, struct agent *a)
{
	char *start = a->buf, *nl;
	int rc = 0;

	while (rc == 0 && (nl = memchr(start, '\n', a->used - (start - a->buf)))) {
		*nl = 0;
		rc = agent_line(st, a, start);
		start = nl + 1;
	}
	a->used -= start - a->buf;
	memmove(a->buf, start, a->used);
	if (!rc && a->used >= LINE_MAX_BYTES) {
		log_error("agent %s: line %llu: longer than %d bytes", a->name,
			  (unsigned long long)a->line_no + 1, LINE_MAX_BYTES);
		return -1;
	}
	return rc;
}

/* Reads what arrived: 0 more to come, 1 finished (S line or EOF), < 0 bad. */
static int agent_read(struct store *st, struct agent *a)
{
	ssize_t n = read(a->fd, a->buf + a->used, sizeof(a->buf) - a->used);

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -1;
	if (n == 0) {
		if (a->used)
			log_warn("agent %s: stream ended inside a line", a->name);
		else if (a->host_id >= 0)
			log_warn("agent %s: disconnected without its summary line", a->name);
		return 1;
	}
	a->used += n;
	return agent_drain(st, a);
}

static struct agent *agent_new(int fd)
{
	struct agent *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->fd = fd;
	a->host_id = -1;
	snprintf(a->name, sizeof(a->name), "fd%d", fd);
	return a;
}

static void agent_end(struct agent **slot)
{
	close((*slot)->fd);
	free(*slot);
	*slot = NULL;
}

static void install_signals(void)
{
	struct sigaction sa = {.sa_handler = on_signal};

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static struct net_report_opts report_opts(const struct common_opts *opts)
{
	return (struct net_report_opts){opts->format, (uint64_t)(slow_ms * 1e6), hist_opt,
					series_opt, NULL, 0, NULL, NULL};
}

/* -i: one report of the messages decided since the last one. */
static void interval_tick(struct store *st, const struct common_opts *opts,
			  struct collect_live *live, uint64_t *next)
{
	uint64_t now = clock_mono_ns();

	if (opts->interval <= 0 || now < *next)
		return;
	*next = now + (uint64_t)(opts->interval * 1e9);
	collect_live_report(live, st, report_opts(opts), clock_wall_ns());
	fflush(stdout);
}

/* Accepts agents until -d, --agents finished, or a signal. */
static int serve(struct store *st, int lfd, const struct common_opts *opts)
{
	struct agent *agents[MAX_AGENTS] = {0};
	struct collect_live live = {.max_age_ns = (uint64_t)(max_age_s * 1e9)};
	uint64_t deadline =
	    opts->duration > 0 ? clock_mono_ns() + (uint64_t)(opts->duration * 1e9) : 0;
	uint64_t last_commit = clock_mono_ns();
	uint64_t next_report = last_commit + (uint64_t)(opts->interval * 1e9);
	int finished = 0;

	fprintf(stderr, "bpfscope collect: listening on %s\n", listen_opt);
	while (!stop && (!agents_opt || finished < agents_opt) &&
	       (!deadline || clock_mono_ns() < deadline)) {
		struct pollfd pfd[MAX_AGENTS + 1] = {{lfd, POLLIN, 0}};
		int slot_of[MAX_AGENTS + 1], n = 1;

		for (int i = 0; i < MAX_AGENTS; i++)
			if (agents[i]) {
				pfd[n] = (struct pollfd){agents[i]->fd, POLLIN, 0};
				slot_of[n++] = i;
			}
		if (poll(pfd, n, 100) < 0 && errno != EINTR)
			return -1;
		for (int p = 1; p < n; p++) {
			int rc;

			if (!pfd[p].revents)
				continue;
			rc = agent_read(st, agents[slot_of[p]]);
			if (rc) {
				finished++;
				agent_end(&agents[slot_of[p]]);
			}
		}
		if (pfd[0].revents & POLLIN) {
			int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC), i;

			for (i = 0; fd >= 0 && i < MAX_AGENTS && agents[i]; i++)
				;
			if (fd >= 0 && (i == MAX_AGENTS || !(agents[i] = agent_new(fd)))) {
				log_warn("too many agents; connection refused");
				close(fd);
			}
		}
		if (clock_mono_ns() - last_commit > 1000000000ull) {
			store__commit(st);
			last_commit = clock_mono_ns();
		}
		interval_tick(st, opts, &live, &next_report);
	}
	collect_live_free(&live);
	for (int i = 0; i < MAX_AGENTS; i++)
		if (agents[i])
			agent_end(&agents[i]);
	return 0;
}

/* One stream from a file: any malformed line is fatal. */
static int read_input(struct store *st, const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	struct agent *a;
	char line[LINE_MAX_BYTES + 2];
	int rc = 0;

	if (!f) {
		log_error("cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	if (!(a = agent_new(-1))) {
		rc = -1;
		goto out;
	}
	snprintf(a->name, sizeof(a->name), "%s", path);
	while (rc == 0 && fgets(line, sizeof(line), f)) {
		if (!strchr(line, '\n') && !feof(f)) {
			log_error("agent %s: line %llu: longer than %d bytes", a->name,
				  (unsigned long long)a->line_no + 1, LINE_MAX_BYTES);
			rc = -1;
		} else {
			rc = agent_line(st, a, line);
		}
	}
	if (rc == 0 && a->host_id < 0) {
		log_error("agent %s: empty stream (no H line)", a->name);
		rc = -1;
	}
	free(a);
out:
	if (f != stdin)
		fclose(f);
	return rc < 0 ? -1 : 0;
}

static int report(struct store *st, const struct common_opts *opts)
{
	struct net_join *j = net_join__new();
	char note[1024];
	uint64_t drops, uncovered;
	int err = -1;

	if (!j)
		return -1;
	if (!store__load(st, j) && !net_join__run(j, 1) && !store__messages(st, j)) {
		net_serve_spans(j); /* --otlp: one span per message, boundaries of all hosts */
		struct net_report_opts o = report_opts(opts);

		store__clock_note(st, note, sizeof(note), &drops, &uncovered);
		o.clock_note = note;
		o.uncovered = uncovered;
		if (opts->interval > 0 && o.format == OUT_TEXT)
			printf("\n=== at exit: all records ===\n");
		net_report_print(stdout, j, &o, drops);
		err = 0;
	}
	net_join__free(j);
	return err;
}

static int run(const struct common_opts *opts, int argc, char **argv)
{
	struct store *st;
	int err = 0, lfd = -1;

	(void)argc;
	(void)argv;
	if (!input_opt && (lfd = endpoint_listen(listen_opt, "--listen")) < 0)
		return 1;
	if (!(st = store__open(db_opt))) {
		if (lfd >= 0)
			close(lfd);
		return 1;
	}
	install_signals();
	err = serve_start(opts) ? -1 : 0;
	if (!err)
		err = input_opt ? read_input(st, input_opt) : serve(st, lfd, opts);
	if (!err)
		err = report(st, opts);
	serve_stop();
	if (lfd >= 0)
		close(lfd);
	if (lfd >= 0 && !strncmp(listen_opt, "unix:", 5))
		unlink(listen_opt + 5);
	store__close(st);
	return err ? 1 : 0;
}

static const struct command cmd_collect = {&spec, run, false};
REGISTER_COMMAND(cmd_collect);
