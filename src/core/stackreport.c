#include "core/stackreport.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "core/flamegraph.h"
#include "core/log.h"
#include "core/output.h"
#include "core/session.h"
#include "core/stacks.h"

struct stack_cli stack_cli;

int stack_cli_apply(struct bpf_object *obj)
{
	bool user = !stack_cli.kernel_only, kernel = !stack_cli.user_only;

	if (stack_cli.user_only && stack_cli.kernel_only) {
		log_error("-U and -K cannot be combined");
		return -EINVAL;
	}
	if (bpfobj_set_rodata(obj, "stacks_user", &user, sizeof(user)) ||
	    bpfobj_set_rodata(obj, "stacks_kernel", &kernel, sizeof(kernel))) {
		log_error("internal: BPF object does not include stacks.bpf.h");
		return -ENOENT;
	}
	return 0;
}

struct entry {
	uint32_t pid;
	char comm[STACK_LABEL_LEN]; /* label: the comm, or what the tool chose */
	char *frames;		    /* root first, ';'-joined */
	uint64_t value, count;
};

struct stack_report {
	struct stack_report_opts opts;
	struct entry *v;
	size_t n, cap;
	bool merged;
};

struct stack_report *stack_report__new(const struct stack_report_opts *opts)
{
	struct stack_report *r = calloc(1, sizeof(*r));

	if (r)
		r->opts = *opts;
	return r;
}

int stack_report__add_folded(struct stack_report *r, uint32_t pid, const char *label,
			     const char *frames, uint64_t value, uint64_t count)
{
	struct entry *e;

	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 256;
		struct entry *v = realloc(r->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		r->v = v;
		r->cap = cap;
	}
	e = &r->v[r->n];
	if (!(e->frames = strdup(frames)))
		return -ENOMEM;
	e->pid = pid;
	snprintf(e->comm, sizeof(e->comm), "%s", label);
	for (char *c = e->comm; *c; c++) /* the label is the root frame of a folded line */
		*c = *c == ';' ? ':' : (unsigned char)*c < ' ' ? '?' : *c;
	e->value = value;
	e->count = count;
	r->n++;
	r->merged = false;
	return 0;
}

int stack_report__add(struct stack_report *r, struct stacks *st, const struct stack_key *key,
		      const char *label, uint64_t value, uint64_t count)
{
	char comm[TASK_COMM_LEN + 1] = {0};
	char *frames = stacks__fold(st, key);
	int err;

	if (!frames)
		return -ENOMEM;
	memcpy(comm, key->comm, TASK_COMM_LEN);
	err = stack_report__add_folded(r, key->pid, label ?: comm, frames, value, count);
	free(frames);
	return err;
}

int stack_report__add_map(struct stack_report *r, struct stacks *st, int map_fd, uint64_t divisor,
			  bool clear)
{
	struct stack_key key, next, *prev = NULL;
	struct stack_value v;
	int err = 0;

	while (!err && !bpf_map_get_next_key(map_fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(map_fd, &key, &v))
			continue;
		err = stack_report__add(r, st, &key, NULL, v.value / (divisor ? divisor : 1),
					v.count);
	}
	while (clear && !bpf_map_get_next_key(map_fd, NULL, &next))
		bpf_map_delete_elem(map_fd, &next);
	return err;
}

static int by_identity(const void *pa, const void *pb)
{
	const struct entry *a = pa, *b = pb;

	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	return strcmp(a->frames, b->frames) ?: strcmp(a->comm, b->comm);
}

static int by_value_desc(const void *pa, const void *pb)
{
	const struct entry *a = pa, *b = pb;

	if (a->value != b->value)
		return a->value > b->value ? -1 : 1;
	return by_identity(pa, pb);
}

/* Same pid, comm and frames: one entry. Then heaviest first. */
static void merge(struct stack_report *r)
{
	size_t out = 0;

	if (r->merged || !r->n)
		return;
	qsort(r->v, r->n, sizeof(*r->v), by_identity);
	for (size_t i = 0; i < r->n; i++) {
		if (out && !by_identity(&r->v[out - 1], &r->v[i])) {
			r->v[out - 1].value += r->v[i].value;
			r->v[out - 1].count += r->v[i].count;
			free(r->v[i].frames);
			continue;
		}
		r->v[out++] = r->v[i];
	}
	r->n = out;
	qsort(r->v, r->n, sizeof(*r->v), by_value_desc);
	r->merged = true;
}

size_t stack_report__len(const struct stack_report *r)
{
	merge((struct stack_report *)r);
	return r->n;
}

uint64_t stack_report__total(const struct stack_report *r)
{
	uint64_t total = 0;

	for (size_t i = 0; i < r->n; i++)
		total += r->v[i].value;
	return total;
}

static size_t shown(const struct stack_report *r)
{
	return stack_cli.top > 0 && (size_t)stack_cli.top < r->n ? (size_t)stack_cli.top : r->n;
}

/* Frames leaf first, one per line, then "-  comm (pid)" and the value. */
static void print_text(const struct stack_report *r, FILE *out)
{
	for (size_t i = 0; i < shown(r); i++) {
		const struct entry *e = &r->v[i];
		const char *end = e->frames + strlen(e->frames), *p;

		for (p = end; p > e->frames; end = p - 1) {
			for (p = end; p > e->frames && p[-1] != ';'; p--)
				;
			fprintf(out, "    %.*s\n", (int)(end - p), p);
		}
		fprintf(out, "    -                %s (%u)\n        %" PRIu64 " %s", e->comm,
			e->pid, e->value, r->opts.unit);
		if (r->opts.count_label)
			fprintf(out, " in %" PRIu64 " %s", e->count, r->opts.count_label);
		fprintf(out, "\n\n");
	}
}

static struct json_object *frames_json(const char *frames)
{
	struct json_object *arr = json_object_new_array();
	const char *end = frames + strlen(frames), *p;

	for (p = end; p > frames; end = p - 1) {
		for (p = end; p > frames && p[-1] != ';'; p--)
			;
		json_object_array_add(arr, json_object_new_string_len(p, (int)(end - p)));
	}
	return arr;
}

static void print_json(const struct stack_report *r, FILE *out)
{
	for (size_t i = 0; i < shown(r); i++) {
		const struct entry *e = &r->v[i];
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "pid", json_object_new_uint64(e->pid));
		json_object_object_add(o, "comm", json_object_new_string(e->comm));
		json_object_object_add(o, "value", json_object_new_uint64(e->value));
		json_object_object_add(o, "unit", json_object_new_string(r->opts.unit));
		if (r->opts.count_label)
			json_object_object_add(o, r->opts.count_label,
					       json_object_new_uint64(e->count));
		json_object_object_add(o, "frames", frames_json(e->frames)); /* leaf first */
		out_json_line(out, o);
	}
}

/* All stacks, merged across pids of one comm: the flame graph's input. */
static struct flame *to_flame(const struct stack_report *r)
{
	struct flame *f = flame__new();

	for (size_t i = 0; f && i < r->n; i++) {
		const struct entry *e = &r->v[i];
		size_t len = strlen(e->comm) + strlen(e->frames) + 2;
		char *path = malloc(len);

		if (path)
			snprintf(path, len, "%s;%s", e->comm[0] ? e->comm : "?", e->frames);
		if (!path || flame__add(f, path, e->value)) {
			free(path);
			flame__free(f);
			return NULL;
		}
		free(path);
	}
	return f;
}

static int write_svg(const struct stack_report *r, const struct flame *f)
{
	struct flame_svg_opts o = {r->opts.title, r->opts.unit, 0};
	FILE *file = fopen(stack_cli.svg, "we");
	int err;

	if (!file) {
		log_error("cannot write %s: %s", stack_cli.svg, strerror(errno));
		return -errno;
	}
	err = flame__write_svg(f, file, &o);
	if (fclose(file) || err) {
		log_error("cannot write %s", stack_cli.svg);
		return -EIO;
	}
	log_info("flame graph of %" PRIu64 " %s written to %s", flame__total(f), r->opts.unit,
		 stack_cli.svg);
	return 0;
}

int stack_report__print(struct stack_report *r, FILE *out)
{
	struct flame *f = NULL;
	int err = 0;

	merge(r);
	if (stack_cli.folded || stack_cli.svg) {
		if (!(f = to_flame(r)))
			return -ENOMEM;
	}
	if (stack_cli.folded)
		flame__write_folded(f, out);
	else if (r->opts.format == OUT_JSON)
		print_json(r, out);
	else
		print_text(r, out);
	if (stack_cli.svg)
		err = write_svg(r, f);
	flame__free(f);
	fflush(out);
	return err;
}

void stack_report__free(struct stack_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].frames);
	free(r->v);
	free(r);
}

void stacks_report_stats(const struct stacks *st)
{
	struct stacks_stats s;

	stacks__stats(st, &s);
	fprintf(stderr,
		"bpfscope: %" PRIu64 " stacks, %" PRIu64 " frames, %" PRIu64
		" unsymbolized frames, %" PRIu64 " stacks missing from the stack map\n",
		s.stacks, s.frames, s.unsymbolized, s.missing);
}
