/* Aggregates of `bpfscope wire --stats`: see wire_stats.h. */
#include "wire_stats.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "core/hist.h"
#include "core/output.h"
#include "core/sqlnorm.h"

#define BUCKETS 1024

struct node {
	struct node *next;
	struct wire_stat st;
};

struct wire_stats {
	struct node *buckets[BUCKETS];
	const struct wire_stat **sorted;
	int count;
};

struct wire_stats *wire_stats__new(void)
{
	return calloc(1, sizeof(struct wire_stats));
}

static unsigned hash(const char *s)
{
	unsigned h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static struct wire_stat *find(struct wire_stats *s, enum wire_proto proto, const char *cmd,
			      const char *text)
{
	unsigned b = (hash(cmd) + hash(text)) % BUCKETS;
	struct node *n;

	for (n = s->buckets[b]; n; n = n->next)
		if (n->st.proto == proto && !strcmp(n->st.cmd, cmd) && !strcmp(n->st.text, text))
			return &n->st;
	n = calloc(1, sizeof(*n));
	if (!n || !(n->st.text = strdup(text))) {
		free(n);
		return NULL;
	}
	n->st.proto = proto;
	snprintf(n->st.cmd, sizeof(n->st.cmd), "%s", cmd);
	n->next = s->buckets[b];
	s->buckets[b] = n;
	s->count++;
	return &n->st;
}

static bool is_error(const struct wire_op *op)
{
	return op->error || strstr(op->status, "ERROR") || !strcmp(op->status, "NS") ||
	       !strcmp(op->status, "NOT_STORED");
}

void wire_stats__add(struct wire_stats *s, const struct wire_op *op)
{
	char text[WIRE_TEXT_MAX] = "";
	struct hist_view view = {HIST_LOG2, 0, 1, NULL, 64, "usecs"};
	uint64_t ns = op->end_ns - op->start_ns;
	struct wire_stat *st;

	if (op->proto == WIRE_PROTO_MYSQL)
		sql_normalize(op->text, text, sizeof(text));
	st = find(s, op->proto, op->cmd, text);
	if (!st)
		return;
	view.slots = st->slots;
	st->count++;
	st->errors += is_error(op);
	st->rows += op->rows > 0 ? (uint64_t)op->rows : 0;
	st->hits += op->hits;
	st->misses += op->misses;
	st->total_ns += ns;
	st->max_ns = ns > st->max_ns ? ns : st->max_ns;
	hist_add(&view, st->slots, ns / 1000);
}

static int by_total(const void *a, const void *b)
{
	const struct wire_stat *x = *(const struct wire_stat *const *)a;
	const struct wire_stat *y = *(const struct wire_stat *const *)b;

	return x->total_ns < y->total_ns ? 1 : x->total_ns > y->total_ns ? -1 : 0;
}

const struct wire_stat *const *wire_stats__sorted(struct wire_stats *s, int *n)
{
	int i = 0;

	free(s->sorted);
	s->sorted = calloc(s->count ? s->count : 1, sizeof(*s->sorted));
	*n = 0;
	if (!s->sorted)
		return NULL;
	for (unsigned b = 0; b < BUCKETS; b++)
		for (struct node *nd = s->buckets[b]; nd; nd = nd->next)
			s->sorted[i++] = &nd->st;
	if (i)
		qsort(s->sorted, i, sizeof(*s->sorted), by_total);
	*n = i;
	return (const struct wire_stat *const *)s->sorted;
}

static const struct out_col text_cols[] = {
    {"proto", "PROTO", -8},   {"cmd", "CMD", -17},	{"count", "COUNT", 7},
    {"errors", "ERRS", 5},    {"rows", "ROWS", 7},	{"hit_pct", "HIT%", 6},
    {"avg_ms", "AVG(ms)", 9}, {"p50_ms", "P50(ms)", 9}, {"p99_ms", "P99(ms)", 9},
    {"max_ms", "MAX(ms)", 9}, {"text", "TEXT", 0},
};
static const struct out_col json_cols[] = {
    {"proto", "", 0},  {"cmd", "", 0},	{"count", "", 0},   {"errors", "", 0},
    {"rows", "", 0},   {"hits", "", 0}, {"misses", "", 0},  {"avg_ms", "", 0},
    {"max_ms", "", 0}, {"text", "", 0}, {"latency", "", 0},
};

/* The log2 estimate, kept within the largest latency seen. */
static double percentile_ms(const struct wire_stat *st, const struct hist_view *h, double p)
{
	double ms = hist_percentile(h, p) / 1e3, max_ms = st->max_ns / 1e6;

	return ms > max_ms ? max_ms : ms;
}

static void print_text_row(struct out *o, const struct wire_stat *st, const struct hist_view *h,
			   int text_len)
{
	uint64_t asked = st->hits + st->misses;
	char text[WIRE_TEXT_MAX + 1];

	out__str(o, st->proto == WIRE_PROTO_MYSQL ? "mysql" : "memcache");
	out__str(o, st->cmd);
	out__u64(o, st->count);
	out__u64(o, st->errors);
	out__u64(o, st->rows);
	if (asked)
		out__double(o, 100.0 * st->hits / asked, 1);
	else
		out__str(o, "-");
	out__double(o, st->total_ns / 1e6 / st->count, 3);
	out__double(o, percentile_ms(st, h, 50), 3);
	out__double(o, percentile_ms(st, h, 99), 3);
	out__double(o, st->max_ns / 1e6, 3);
	snprintf(text, sizeof(text), "%.*s", text_len, st->text);
	out__str(o, text);
}

static void print_json_row(struct out *o, const struct wire_stat *st, const struct hist_view *h)
{
	out__str(o, st->proto == WIRE_PROTO_MYSQL ? "mysql" : "memcache");
	out__str(o, st->cmd);
	out__u64(o, st->count);
	out__u64(o, st->errors);
	out__u64(o, st->rows);
	out__u64(o, st->hits);
	out__u64(o, st->misses);
	out__double(o, st->total_ns / 1e6 / st->count, 3);
	out__double(o, st->max_ns / 1e6, 3);
	out__str(o, st->text);
	out__json(o, hist_to_json(h));
}

void wire_stats__print(struct wire_stats *s, FILE *f, enum out_format format, int text_len)
{
	bool json = format == OUT_JSON;
	struct out *o = out__new(f, format, json ? json_cols : text_cols,
				 json ? sizeof(json_cols) / sizeof(json_cols[0])
				      : sizeof(text_cols) / sizeof(text_cols[0]));
	const struct wire_stat *const *rows;
	int n;

	if (!o)
		return;
	rows = wire_stats__sorted(s, &n);
	out__header(o);
	for (int i = 0; i < n; i++) {
		struct hist_view h = {HIST_LOG2, 0, 1, rows[i]->slots, 64, "usecs"};

		out__row_begin(o);
		if (json)
			print_json_row(o, rows[i], &h);
		else
			print_text_row(o, rows[i], &h, text_len);
		out__row_end(o);
	}
	out__free(o);
	fflush(f);
}

void wire_stats__clear(struct wire_stats *s)
{
	for (unsigned b = 0; b < BUCKETS; b++)
		while (s->buckets[b]) {
			struct node *n = s->buckets[b];

			s->buckets[b] = n->next;
			free(n->st.text);
			free(n);
		}
	s->count = 0;
}

void wire_stats__free(struct wire_stats *s)
{
	if (!s)
		return;
	wire_stats__clear(s);
	free(s->sorted);
	free(s);
}
