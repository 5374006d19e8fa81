/* Argument formatting, call pairing and call trees for `bpfscope php`
 * (see php_calls.h). */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "core/flamegraph.h"
#include "tools/php_calls.h"

/* A string argument, quoted, with control bytes and quotes escaped and
 * "..." when PHP's string was longer than what the kernel kept. */
static void format_string(const struct php_arg *a, char *buf, size_t len)
{
	size_t used = 0, kept = strnlen(a->str, sizeof(a->str));

	if (len < 8) {
		snprintf(buf, len, "\"\"");
		return;
	}
	buf[used++] = '"';
	for (size_t i = 0; i < kept && i < a->len && used + 6 < len; i++) {
		unsigned char c = a->str[i];

		if (c == '"' || c == '\\')
			used += snprintf(buf + used, len - used, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			used += snprintf(buf + used, len - used, "\\x%02x", c);
		else
			buf[used++] = c;
	}
	if (a->len > kept && used + 5 < len)
		used += snprintf(buf + used, len - used, "...");
	snprintf(buf + used, len - used, "\"");
}

void php_arg_format(const struct php_arg *a, char *buf, size_t len)
{
	double d;

	switch (a->type) {
	case PHP_IS_UNDEF: snprintf(buf, len, "undef"); break;
	case PHP_IS_NULL: snprintf(buf, len, "null"); break;
	case PHP_IS_FALSE: snprintf(buf, len, "false"); break;
	case PHP_IS_TRUE: snprintf(buf, len, "true"); break;
	case PHP_IS_LONG: snprintf(buf, len, "%" PRId64, (int64_t)a->value); break;
	case PHP_IS_DOUBLE:
		memcpy(&d, &a->value, sizeof(d));
		/* like PHP's precision=14 echo, but always recognisable as a float */
		snprintf(buf, len, "%.14G%s", d,
			 isfinite(d) && d == floor(d) && fabs(d) < 1e15 ? ".0" : "");
		break;
	case PHP_IS_STRING: format_string(a, buf, len); break;
	case PHP_IS_ARRAY: snprintf(buf, len, "array(%u)", a->len); break;
	case PHP_IS_OBJECT: snprintf(buf, len, "object(%.*s)", (int)sizeof(a->str), a->str); break;
	case PHP_IS_RESOURCE: snprintf(buf, len, "resource"); break;
	default: snprintf(buf, len, "?type%u", a->type); break;
	}
}

void php_name_format(const struct php_call_event *e, char *buf, size_t len)
{
	if (e->cls[0]) /* as PHP's backtraces write methods */
		snprintf(buf, len, "%.*s%s%.*s", PHP_NAME_LEN, e->cls, e->is_static ? "::" : "->",
			 PHP_NAME_LEN, e->func);
	else
		snprintf(buf, len, "%.*s", PHP_NAME_LEN, e->func);
}

void php_call_format(const struct php_call_event *e, char *buf, size_t len)
{
	size_t used;

	php_name_format(e, buf, len);
	used = strlen(buf);
	used += snprintf(buf + used, len > used ? len - used : 0, "(");
	for (int i = 0; i < e->nargs && i < PHP_MAX_ARGS && used < len; i++) {
		char arg[PHP_ARG_STR * 4 + 16];

		php_arg_format(&e->args[i], arg, sizeof(arg));
		used += snprintf(buf + used, len - used, "%s%s", i ? ", " : "", arg);
	}
	if (e->nargs_all > e->nargs && used < len)
		used += snprintf(buf + used, len - used, "%s...", e->nargs ? ", " : "");
	if (used < len)
		snprintf(buf + used, len - used, ")");
}

struct php_frame *php_stack_push(struct php_stack *s, uint64_t frame, uint64_t start_ns)
{
	struct php_frame *f;

	if (s->depth == s->cap) {
		int cap = s->cap ? 2 * s->cap : 16;
		struct php_frame *grown =
		    cap <= PHP_STACK_MAX ? realloc(s->f, cap * sizeof(*f)) : NULL;

		if (!grown) {
			s->lost++;
			return NULL;
		}
		s->f = grown;
		s->cap = cap;
	}
	f = &s->f[s->depth++];
	memset(f, 0, sizeof(*f));
	f->frame = frame;
	f->start_ns = start_ns;
	return f;
}

int php_stack_match(const struct php_stack *s, uint64_t frame)
{
	if (!frame)
		return s->depth - 1;
	for (int i = s->depth - 1; i >= 0; i--)
		if (s->f[i].frame == frame)
			return i;
	return -1;
}

void php_stack_free(struct php_stack *s)
{
	free(s->f);
	s->f = NULL;
	s->depth = s->cap = 0;
}

struct tree_node {
	char *name;
	uint64_t count, total_ns;
	struct tree_node *kids;
	size_t nkids, cap;
};

struct php_tree {
	struct tree_node root;
};

struct php_tree *php_tree__new(void)
{
	return calloc(1, sizeof(struct php_tree));
}

static struct tree_node *child(struct tree_node *n, const char *name)
{
	struct tree_node *k;

	for (size_t i = 0; i < n->nkids; i++)
		if (!strcmp(n->kids[i].name, name))
			return &n->kids[i];
	if (n->nkids == n->cap) {
		size_t cap = n->cap ? 2 * n->cap : 4;
		struct tree_node *kids = realloc(n->kids, cap * sizeof(*kids));

		if (!kids)
			return NULL;
		n->kids = kids;
		n->cap = cap;
	}
	k = &n->kids[n->nkids];
	memset(k, 0, sizeof(*k));
	k->name = strdup(name);
	if (!k->name)
		return NULL;
	n->nkids++;
	return k;
}

int php_tree__add(struct php_tree *t, const char *const *names, int n, uint64_t dur_ns)
{
	struct tree_node *node = &t->root;

	for (int i = 0; i < n; i++) {
		node = child(node, names[i]);
		if (!node)
			return -ENOMEM;
	}
	node->count++;
	node->total_ns += dur_ns;
	return 0;
}

static uint64_t self_ns(const struct tree_node *n)
{
	uint64_t kids = 0;

	for (size_t i = 0; i < n->nkids; i++)
		kids += n->kids[i].total_ns;
	return kids < n->total_ns ? n->total_ns - kids : 0;
}

static void print_node(const struct tree_node *n, int depth, FILE *out)
{
	fprintf(out, "%12.1f %12.1f %7" PRIu64 "  %*s%s\n", n->total_ns / 1e3, self_ns(n) / 1e3,
		n->count, 2 * depth, "", n->name);
	for (size_t i = 0; i < n->nkids; i++)
		print_node(&n->kids[i], depth + 1, out);
}

static struct json_object *node_json(const struct tree_node *n)
{
	struct json_object *o = json_object_new_object(), *kids = json_object_new_array();

	json_object_object_add(o, "function", json_object_new_string(n->name));
	json_object_object_add(o, "calls", json_object_new_int64(n->count));
	json_object_object_add(o, "total_us", json_object_new_int64(n->total_ns / 1000));
	json_object_object_add(o, "self_us", json_object_new_int64(self_ns(n) / 1000));
	for (size_t i = 0; i < n->nkids; i++)
		json_object_array_add(kids, node_json(&n->kids[i]));
	json_object_object_add(o, "children", kids);
	return o;
}

struct json_object *php_tree__json(const struct php_tree *t)
{
	struct json_object *roots = json_object_new_array();

	for (size_t i = 0; i < t->root.nkids; i++)
		json_object_array_add(roots, node_json(&t->root.kids[i]));
	return roots;
}

void php_tree__print(const struct php_tree *t, FILE *out)
{
	fprintf(out, "%12s %12s %7s  %s\n", "TOTAL_US", "SELF_US", "CALLS", "FUNCTION");
	for (size_t i = 0; i < t->root.nkids; i++)
		print_node(&t->root.kids[i], 0, out);
}

static int flame_node(const struct tree_node *n, char *path, size_t used, size_t len,
		      struct flame *f)
{
	int w = snprintf(path + used, len - used, "%s%s", used ? ";" : "", n->name);
	uint64_t self_us = self_ns(n) / 1000;
	int err = 0;

	if (w < 0 || (size_t)w >= len - used)
		return -ENAMETOOLONG;
	used += w;
	if (self_us)
		err = flame__add(f, path, self_us);
	for (size_t i = 0; !err && i < n->nkids; i++)
		err = flame_node(&n->kids[i], path, used, len, f);
	path[used - w] = 0;
	return err;
}

int php_tree__flame(const struct php_tree *t, const char *root, struct flame *f)
{
	char path[8192];
	size_t used = root ? (size_t)snprintf(path, sizeof(path), "%s", root) : 0;
	int err = 0;

	path[used] = 0;
	for (size_t i = 0; !err && i < t->root.nkids; i++)
		err = flame_node(&t->root.kids[i], path, used, sizeof(path), f);
	return err;
}

bool php_tree__empty(const struct php_tree *t)
{
	return t->root.nkids == 0;
}

static void free_node(struct tree_node *n)
{
	for (size_t i = 0; i < n->nkids; i++)
		free_node(&n->kids[i]);
	free(n->kids);
	free(n->name);
}

void php_tree__free(struct php_tree *t)
{
	if (!t)
		return;
	free_node(&t->root);
	free(t);
}
