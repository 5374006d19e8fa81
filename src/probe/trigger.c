/* See trigger.h. A small recursive-descent parser over the clause text:
 * tokens are words, numbers (with an optional unit) and punctuation; each
 * error names the column and what was expected. */
#include "probe/trigger.h"

#include <ctype.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/output.h"

struct cursor {
	const char *text, *p;
	char *err;
	size_t errlen;
	bool failed;
};

static void skip_space(struct cursor *c)
{
	while (isspace((unsigned char)*c->p))
		c->p++;
}

static bool fail(struct cursor *c, const char *what)
{
	if (!c->failed)
		snprintf(c->err, c->errlen, "trigger '%s': column %d: expected %s", c->text,
			 (int)(c->p - c->text) + 1, what);
	c->failed = true;
	return false;
}

/* Consumes the literal s (a word must not continue after it). */
static bool accept(struct cursor *c, const char *s)
{
	size_t n = strlen(s);

	skip_space(c);
	if (strncmp(c->p, s, n) ||
	    (isalpha((unsigned char)s[n - 1]) && isalnum((unsigned char)c->p[n])))
		return false;
	c->p += n;
	return true;
}

static bool expect(struct cursor *c, const char *s)
{
	char what[32];

	if (accept(c, s))
		return true;
	snprintf(what, sizeof(what), "'%s'", s);
	return fail(c, what);
}

static bool number(struct cursor *c, double *v)
{
	char *end;

	skip_space(c);
	if (!isdigit((unsigned char)*c->p))
		return fail(c, "a number");
	*v = strtod(c->p, &end);
	c->p = end;
	return true;
}

/* pN, a probe of this session */
static bool probe_ref(struct cursor *c, int nprobes, __u32 *probe)
{
	char *end;
	long n;

	skip_space(c);
	if (*c->p != 'p' || !isdigit((unsigned char)c->p[1]))
		return fail(c, "a probe: p0 is the first probe given");
	n = strtol(c->p + 1, &end, 10);
	if (n >= nprobes) {
		char what[64];

		snprintf(what, sizeof(what), "a probe p0..p%d (there are %d)", nprobes - 1,
			 nprobes);
		return fail(c, what);
	}
	c->p = end;
	*probe = (__u32)n;
	return true;
}

/* WINDOW: a number with a unit us, ms or s */
static bool window(struct cursor *c, __u64 *ns)
{
	double v;

	if (!number(c, &v))
		return false;
	if (accept(c, "us"))
		v *= 1e3;
	else if (accept(c, "ms"))
		v *= 1e6;
	else if (accept(c, "s"))
		v *= 1e9;
	else
		return fail(c, "a unit after the window: us, ms or s");
	if (v < 1e6 || v > 60e9)
		return fail(c, "a window from 1ms to 60s");
	*ns = (__u64)v;
	return true;
}

static bool tail(struct cursor *c, struct trigger *t)
{
	double v;

	t->low = t->high;
	if (accept(c, "rearm")) {
		if (!expect(c, "<") || !number(c, &v))
			return false;
		if (v > (double)t->high)
			return fail(c, "a re-arm rate at most the firing rate");
		t->low = (__u64)v;
	}
	if (accept(c, "limit")) {
		if (!number(c, &v))
			return false;
		if (v < 1 || v > 1e9)
			return fail(c, "a limit from 1 to 1e9 firings");
		t->max_fires = (__u32)v;
	}
	skip_space(c);
	return *c->p ? fail(c, "the end, 'rearm < RATE' or 'limit N'") : true;
}

int trigger_parse(const char *text, int nprobes, struct trigger_clause *out, char *err,
		  size_t errlen)
{
	struct cursor c = {text, text, err, errlen, false};
	struct trigger *t = &out->cfg;
	double v;

	memset(out, 0, sizeof(*out));
	snprintf(out->text, sizeof(out->text), "%s", text);
	t->window_ns = 100000000; /* 100 ms */
	accept(&c, "trigger");
	if (!expect(&c, "rate") || !expect(&c, "(") || !probe_ref(&c, nprobes, &t->source))
		return -1;
	if (accept(&c, ",") && !window(&c, &t->window_ns))
		return -1;
	if (!expect(&c, ")") || !expect(&c, ">") || !number(&c, &v))
		return -1;
	if (v < 1 || v > 1e12)
		return fail(&c, "a rate from 1 to 1e12 calls/s"), -1;
	t->high = (__u64)v;
	if (!expect(&c, "->") || !expect(&c, "capture") || !expect(&c, "(") ||
	    !probe_ref(&c, nprobes, &t->target) || !expect(&c, ",") || !number(&c, &v))
		return -1;
	if (v < 1 || v > 1e6)
		return fail(&c, "a capture count from 1 to 1000000"), -1;
	t->captures = (__s64)v;
	if (!expect(&c, ")") || !tail(&c, t))
		return -1;
	return 0;
}

int trigger_extract_lines(char *script, char **lines, int max, int *n)
{
	for (char *line = script; line && *line;) {
		char *end = strchr(line, '\n'), *word = line;

		while (*word == ' ' || *word == '\t')
			word++;
		if (!strncmp(word, "trigger", 7) && isspace((unsigned char)word[7])) {
			size_t len = end ? (size_t)(end - word) : strlen(word);

			if (*n >= max)
				return -1;
			lines[(*n)++] = strndup(word, len);
			memset(line, ' ', (size_t)(word - line) + len);
		}
		line = end ? end + 1 : NULL;
	}
	return 0;
}

static const char *const what_names[] = {"", "fired", "re-armed"};

void trigger_print_notice(FILE *out, bool json, const struct trigger_clause *c,
			  const struct trigger_notice *n)
{
	const struct trigger *t = &c->cfg;
	const char *what = n->what < 3 ? what_names[n->what] : "?";
	char when[64];

	if (json) {
		struct json_object *obj = json_object_new_object();

		clock_format_iso(clock_mono_to_wall(n->ts_ns), when, sizeof(when));
		json_object_object_add(obj, "time", json_object_new_string(when));
		json_object_object_add(obj, "trigger", json_object_new_int((int)n->trigger));
		json_object_object_add(obj, "event", json_object_new_string(what));
		json_object_object_add(obj, "rate", json_object_new_uint64(n->rate));
		out_json_line(out, obj);
		return;
	}
	clock_format_time(clock_mono_to_wall(n->ts_ns), when, sizeof(when));
	if (n->what == TRIG_NOTICE_FIRED)
		fprintf(
		    out,
		    "%s trigger %u fired: rate(p%u) %llu/s > %llu: capturing %lld events of p%u\n",
		    when, n->trigger, t->source, (unsigned long long)n->rate,
		    (unsigned long long)t->high, (long long)t->captures, t->target);
	else
		fprintf(out, "%s trigger %u %s: rate(p%u) %llu/s < %llu\n", when, n->trigger, what,
			t->source, (unsigned long long)n->rate, (unsigned long long)t->low);
}

void trigger_print_accounting(FILE *out, int index, const struct trigger_clause *c,
			      const struct trigger *s)
{
	fprintf(out,
		"bpfscope: trigger %d '%s': fired %llu, re-armed %llu, %llu events captured, "
		"%llu hits of p%u outside captures, last rate %llu/s\n",
		index, c->text, (unsigned long long)s->fires, (unsigned long long)s->rearms,
		(unsigned long long)s->captured, (unsigned long long)s->gated, c->cfg.target,
		(unsigned long long)s->last_rate);
}
