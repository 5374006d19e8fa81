/* See metrics.h. Families and series are small arrays searched linearly:
 * a publish touches tens of series, and the cardinality bound keeps them
 * short. Label sets are stored as one canonical string
 * ("name=value\0name=value\0") for comparison. */
#include "core/metrics.h"

#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FAMILIES	64
#define OVERFLOW_FAMILY "bpfscope_metric_series_overflow_total"

struct series {
	char *labels[METRIC_MAX_LABELS][2]; /* sanitized name, raw value */
	int nlabels;
	double value;
	uint64_t base[METRIC_SLOTS], live[METRIC_SLOTS];
	double base_sum, live_sum;
};

struct family {
	char *name, *help;
	enum metric_type type;
	struct series *series;
	int nseries, cap;
	double scale;			  /* histograms: of the last update */
	uint64_t linear_min, linear_step; /* step 0: log2 slots */
};

static struct family families[MAX_FAMILIES];
static int nfamilies;
static int series_limit = 500;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* Backslash and newline always; the double quote only in label values. */
static void escape(const char *in, char *buf, size_t len, bool quote)
{
	size_t o = 0;

	for (; *in && o + 3 < len; in++) {
		if (*in == '\\' || (quote && *in == '"'))
			buf[o++] = '\\';
		if (*in == '\n') {
			buf[o++] = '\\';
			buf[o++] = 'n';
		} else {
			buf[o++] = *in;
		}
	}
	buf[o] = 0;
}

void metrics_escape_label(const char *in, char *buf, size_t len)
{
	escape(in, buf, len, true);
}

void metrics_escape_help(const char *in, char *buf, size_t len)
{
	escape(in, buf, len, false);
}

/* Label names: [a-zA-Z_][a-zA-Z0-9_]*, and "__" is reserved by Prometheus. */
void metrics_sanitize_name(const char *in, char *buf, size_t len)
{
	size_t o = 0;

	if (len < 2)
		return;
	if ((*in >= '0' && *in <= '9') || !strncmp(in, "__", 2) || !*in)
		buf[o++] = 'x';
	for (; *in && o + 1 < len; in++) {
		char c = *in;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '_';

		buf[o++] = ok ? c : '_';
	}
	buf[o] = 0;
}

static struct family *find_family(const char *name)
{
	for (int i = 0; i < nfamilies; i++)
		if (!strcmp(families[i].name, name))
			return &families[i];
	return NULL;
}

static int family_locked(const char *name, enum metric_type type, const char *help)
{
	struct family *f = find_family(name);

	if (f)
		return f->type == type ? 0 : -EINVAL;
	if (nfamilies == MAX_FAMILIES)
		return -E2BIG;
	f = &families[nfamilies];
	memset(f, 0, sizeof(*f));
	f->name = strdup(name);
	f->help = strdup(help ? help : "");
	f->type = type;
	f->scale = 1;
	if (!f->name || !f->help) {
		free(f->name);
		free(f->help);
		return -ENOMEM;
	}
	nfamilies++;
	return 0;
}

int metrics_family(const char *name, enum metric_type type, const char *help)
{
	int err;

	pthread_mutex_lock(&lock);
	err = family_locked(name, type, help);
	pthread_mutex_unlock(&lock);
	return err;
}

static bool same_labels(const struct series *s, const struct metric_label *labels, int n)
{
	char name[128];

	if (s->nlabels != n)
		return false;
	for (int i = 0; i < n; i++) {
		metrics_sanitize_name(labels[i].name, name, sizeof(name));
		if (strcmp(s->labels[i][0], name) || strcmp(s->labels[i][1], labels[i].value))
			return false;
	}
	return true;
}

static bool grow(struct family *f)
{
	int cap = f->cap ? 2 * f->cap : 16;
	struct series *bigger;

	if (f->nseries < f->cap)
		return true;
	bigger = realloc(f->series, cap * sizeof(*bigger));
	if (!bigger)
		return false;
	f->series = bigger;
	f->cap = cap;
	return true;
}

static struct series *append_series(struct family *f, const struct metric_label *labels, int n)
{
	struct series *s;
	char name[128];

	if (!grow(f))
		return NULL;
	s = &f->series[f->nseries++];
	memset(s, 0, sizeof(*s));
	for (int i = 0; i < n; i++) {
		metrics_sanitize_name(labels[i].name, name, sizeof(name));
		s->labels[i][0] = strdup(name);
		s->labels[i][1] = strdup(labels[i].value ? labels[i].value : "");
	}
	s->nlabels = n;
	return s;
}

/* One series per family that overflowed: at most MAX_FAMILIES, unbounded
 * by the limit. */
static void count_overflow(const char *family)
{
	struct metric_label l = {"metric", family};
	struct family *of;
	struct series *s = NULL;

	if (family_locked(OVERFLOW_FAMILY, METRIC_COUNTER,
			  "updates refused because a metric family reached its series limit"))
		return;
	of = find_family(OVERFLOW_FAMILY);
	for (int i = 0; i < of->nseries && !s; i++)
		if (same_labels(&of->series[i], &l, 1))
			s = &of->series[i];
	if (!s)
		s = append_series(of, &l, 1);
	if (s)
		s->value++;
}

static struct series *new_series(struct family *f, const struct metric_label *labels, int n)
{
	if (n > METRIC_MAX_LABELS || f->nseries >= series_limit) {
		count_overflow(f->name);
		return NULL;
	}
	return append_series(f, labels, n);
}

static struct series *find_series(struct family *f, const struct metric_label *labels, int n,
				  bool create)
{
	for (int i = 0; i < f->nseries; i++)
		if (same_labels(&f->series[i], labels, n))
			return &f->series[i];
	return create ? new_series(f, labels, n) : NULL;
}

int metrics_set(const char *family, const struct metric_label *labels, int nlabels, double value)
{
	struct family *f;
	struct series *s;
	int err = -ENOENT;

	pthread_mutex_lock(&lock);
	f = find_family(family);
	if (f && f->type != METRIC_HISTOGRAM) {
		s = find_series(f, labels, nlabels, true);
		if (s)
			s->value = value;
		err = s ? 0 : -E2BIG;
	}
	pthread_mutex_unlock(&lock);
	return err;
}

int metrics_counter_update(const char *family, const struct metric_label *labels, int nlabels,
			   double value, bool drained)
{
	struct family *f;
	struct series *s = NULL;

	pthread_mutex_lock(&lock);
	f = find_family(family);
	if (f && f->type != METRIC_HISTOGRAM)
		s = find_series(f, labels, nlabels, true);
	if (s) {
		if (drained)
			s->base_sum += value;
		s->live_sum = drained ? 0 : value;
	}
	pthread_mutex_unlock(&lock);
	return s ? 0 : f ? -E2BIG : -ENOENT;
}

int metrics_hist_update(const char *family, const struct metric_label *labels, int nlabels,
			const struct metric_hist *h, bool drained)
{
	struct family *f;
	struct series *s = NULL;

	pthread_mutex_lock(&lock);
	f = find_family(family);
	if (f && f->type == METRIC_HISTOGRAM)
		s = find_series(f, labels, nlabels, true);
	if (s) {
		f->scale = h->scale;
		f->linear_min = h->linear_min;
		f->linear_step = h->linear_step;
		for (int i = 0; i < METRIC_SLOTS; i++) {
			if (drained)
				s->base[i] += h->slots[i];
			s->live[i] = drained ? 0 : h->slots[i];
		}
		if (drained)
			s->base_sum += h->sum_raw;
		s->live_sum = drained ? 0 : h->sum_raw;
	}
	pthread_mutex_unlock(&lock);
	return s ? 0 : f ? -E2BIG : -ENOENT;
}

bool metrics_get(const char *family, const struct metric_label *labels, int nlabels, double *value)
{
	struct family *f;
	struct series *s = NULL;

	pthread_mutex_lock(&lock);
	f = find_family(family);
	if (f)
		s = find_series(f, labels, nlabels, false);
	if (s && f->type == METRIC_HISTOGRAM) {
		*value = 0;
		for (int i = 0; i < METRIC_SLOTS; i++)
			*value += (double)(s->base[i] + s->live[i]);
	} else if (s) {
		*value = s->value + s->base_sum + s->live_sum;
	}
	pthread_mutex_unlock(&lock);
	return s != NULL;
}

/* {a="x",b="y"} with an optional extra label (le), or nothing. */
static void print_labels(FILE *out, const struct series *s, const char *extra_name,
			 const char *extra_value)
{
	char esc[1024];

	if (!s->nlabels && !extra_name)
		return;
	fputc('{', out);
	for (int i = 0; i < s->nlabels; i++) {
		metrics_escape_label(s->labels[i][1], esc, sizeof(esc));
		fprintf(out, "%s%s=\"%s\"", i ? "," : "", s->labels[i][0], esc);
	}
	if (extra_name)
		fprintf(out, "%s%s=\"%s\"", s->nlabels ? "," : "", extra_name, extra_value);
	fputc('}', out);
}

static void print_number(FILE *out, double v)
{
	if (v == floor(v) && fabs(v) < 1e15)
		fprintf(out, "%.0f", v);
	else
		fprintf(out, "%.17g", v);
}

/* Upper bound of slot k in exported units: log2 values in it are < 2^k;
 * linear (integer) values at most min + (k+1)*step - 1. */
static double slot_le(const struct family *f, int k)
{
	if (f->linear_step)
		return (double)(f->linear_min + (uint64_t)(k + 1) * f->linear_step - 1) * f->scale;
	return ldexp(1.0, k) * f->scale;
}

static void render_hist(FILE *out, const struct family *f, const struct series *s)
{
	uint64_t cum = 0, total = 0;
	int first = -1, last = -1;
	char le[64];

	for (int i = 0; i < METRIC_SLOTS; i++)
		if (s->base[i] + s->live[i]) {
			first = first < 0 ? i : first;
			last = i;
			total += s->base[i] + s->live[i];
		}
	/* From the empty slot below the first used one (so that quantiles
	 * interpolate inside the right power of two, not from 0) to the last
	 * used one; the last slot also holds everything larger: +Inf only. */
	for (int i = first > 0 ? first - 1 : 0; i <= last && i < METRIC_SLOTS - 1; i++) {
		cum += s->base[i] + s->live[i];
		snprintf(le, sizeof(le), "%.9g", slot_le(f, i));
		fprintf(out, "%s_bucket", f->name);
		print_labels(out, s, "le", le);
		fprintf(out, " %llu\n", (unsigned long long)cum);
	}
	fprintf(out, "%s_bucket", f->name);
	print_labels(out, s, "le", "+Inf");
	fprintf(out, " %llu\n%s_sum", (unsigned long long)total, f->name);
	print_labels(out, s, NULL, NULL);
	fputc(' ', out);
	print_number(out, (s->base_sum + s->live_sum) * f->scale);
	fprintf(out, "\n%s_count", f->name);
	print_labels(out, s, NULL, NULL);
	fprintf(out, " %llu\n", (unsigned long long)total);
}

static const char *type_name(enum metric_type t)
{
	return t == METRIC_COUNTER ? "counter" : t == METRIC_GAUGE ? "gauge" : "histogram";
}

char *metrics_render_text(size_t *len)
{
	char *buf = NULL, help[1024];
	FILE *out = open_memstream(&buf, len);

	if (!out)
		return NULL;
	pthread_mutex_lock(&lock);
	for (int i = 0; i < nfamilies; i++) {
		const struct family *f = &families[i];

		if (!f->nseries)
			continue;
		metrics_escape_help(f->help, help, sizeof(help));
		fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", f->name, help, f->name,
			type_name(f->type));
		for (int j = 0; j < f->nseries; j++) {
			if (f->type == METRIC_HISTOGRAM) {
				render_hist(out, f, &f->series[j]);
				continue;
			}
			fputs(f->name, out);
			print_labels(out, &f->series[j], NULL, NULL);
			fputc(' ', out);
			print_number(out, f->series[j].value + f->series[j].base_sum +
					      f->series[j].live_sum);
			fputc('\n', out);
		}
	}
	pthread_mutex_unlock(&lock);
	fclose(out);
	return buf;
}

static struct json_object *series_json(const struct family *f, const struct series *s)
{
	struct json_object *obj = json_object_new_object(), *labels = json_object_new_object();
	struct json_object *buckets;
	uint64_t total = 0;

	for (int i = 0; i < s->nlabels; i++)
		json_object_object_add(labels, s->labels[i][0],
				       json_object_new_string(s->labels[i][1]));
	json_object_object_add(obj, "labels", labels);
	if (f->type != METRIC_HISTOGRAM) {
		json_object_object_add(
		    obj, "value", json_object_new_double(s->value + s->base_sum + s->live_sum));
		return obj;
	}
	buckets = json_object_new_array();
	for (int i = 0; i < METRIC_SLOTS; i++) {
		uint64_t n = s->base[i] + s->live[i];
		struct json_object *b;

		if (!n)
			continue;
		total += n;
		b = json_object_new_object();
		json_object_object_add(b, "slot", json_object_new_int(i));
		json_object_object_add(
		    b, "le",
		    json_object_new_double(i == METRIC_SLOTS - 1 ? INFINITY : slot_le(f, i)));
		json_object_object_add(b, "count", json_object_new_uint64(n));
		json_object_array_add(buckets, b);
	}
	json_object_object_add(obj, "count", json_object_new_uint64(total));
	json_object_object_add(obj, "sum",
			       json_object_new_double((s->base_sum + s->live_sum) * f->scale));
	json_object_object_add(obj, "buckets", buckets);
	return obj;
}

struct json_object *metrics_to_json(void)
{
	struct json_object *root = json_object_new_object(), *fams = json_object_new_array();

	pthread_mutex_lock(&lock);
	for (int i = 0; i < nfamilies; i++) {
		const struct family *f = &families[i];
		struct json_object *fam = json_object_new_object(),
				   *series = json_object_new_array();

		json_object_object_add(fam, "name", json_object_new_string(f->name));
		json_object_object_add(fam, "type", json_object_new_string(type_name(f->type)));
		json_object_object_add(fam, "help", json_object_new_string(f->help));
		for (int j = 0; j < f->nseries; j++)
			json_object_array_add(series, series_json(f, &f->series[j]));
		json_object_object_add(fam, "series", series);
		json_object_array_add(fams, fam);
	}
	pthread_mutex_unlock(&lock);
	json_object_object_add(root, "families", fams);
	return root;
}

void metrics_set_series_limit(int limit)
{
	series_limit = limit > 0 ? limit : 1;
}

int metrics_series_limit(void)
{
	return series_limit;
}

void metrics_reset(void)
{
	pthread_mutex_lock(&lock);
	for (int i = 0; i < nfamilies; i++) {
		for (int j = 0; j < families[i].nseries; j++)
			for (int k = 0; k < families[i].series[j].nlabels; k++) {
				free(families[i].series[j].labels[k][0]);
				free(families[i].series[j].labels[k][1]);
			}
		free(families[i].series);
		free(families[i].name);
		free(families[i].help);
	}
	nfamilies = 0;
	pthread_mutex_unlock(&lock);
}
