/* Probe language parser: a hand-written lexer and a precedence-climbing
 * expression parser. Targets are scanned as one word (paths contain '/', '.',
 * '-'), then split on ':'. Errors name the probe and column; the parser never
 * exits and frees what it built. See ast.h for the grammar. */
#include "probe/ast.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


struct parser {
	const char *src, *pos, *line_start;
	int tok;
	const char *tok_start;
	char *tok_text;
	int64_t tok_num;
	int probe_no;
	char *err;
	size_t errlen;
	bool failed;
};

static int column(const struct parser *p, const char *at)
{
	return (int)(at - p->line_start) + 1;
}

static void fail(struct parser *p, const char *at, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (p->failed)
		return;
	p->failed = true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(p->err, p->errlen, "probe %d, column %d: %s", p->probe_no, column(p, at), msg);
}

static void skip_space(struct parser *p)
{
	for (;;) {
		while (isspace((unsigned char)*p->pos)) {
			if (*p->pos == '\n')
				p->line_start = p->pos + 1;
			p->pos++;
		}
		if (*p->pos != '#')
			return;
		while (*p->pos && *p->pos != '\n')
			p->pos++;
	}
}

static const struct {
	const char *text;
	int tok;
} two_char_ops[] = {
	{ "->", TOK_ARROW }, { "==", TOK_EQ },	{ "!=", TOK_NE },  { "<=", TOK_LE },
	{ ">=", TOK_GE },    { "&&", TOK_AND }, { "||", TOK_OR },  { "<<", TOK_SHL },
	{ ">>", TOK_SHR },
};

static void lex_string(struct parser *p)
{
	const char *s = ++p->pos;
	size_t n = 0;

	p->tok_text = malloc(strlen(s) + 1);
	while (*p->pos && *p->pos != '"') {
		char c = *p->pos++;

		if (c == '\\' && *p->pos) {
			c = *p->pos++;
			c = c == 'n' ? '\n' : c == 't' ? '\t' : c;
		}
		p->tok_text[n++] = c;
	}
	p->tok_text[n] = 0;
	if (*p->pos != '"')
		fail(p, s - 1, "unterminated string");
	else
		p->pos++;
	p->tok = TOK_STR;
}

static void next(struct parser *p)
{
	free(p->tok_text);
	p->tok_text = NULL;
	skip_space(p);
	p->tok_start = p->pos;
	if (!*p->pos) {
		p->tok = TOK_EOF;
	} else if (isalpha((unsigned char)*p->pos) || *p->pos == '_') {
		const char *s = p->pos;

		while (isalnum((unsigned char)*p->pos) || *p->pos == '_' ||
		       (p->pos[0] == ':' && p->pos[1] == ':' && (p->pos += 1)))
			p->pos++;
		p->tok_text = strndup(s, p->pos - s);
		p->tok = TOK_IDENT;
	} else if (isdigit((unsigned char)*p->pos)) {
		char *end;

		errno = 0;
		p->tok_num = (int64_t)strtoull(p->pos, &end, 0);
		if (errno || isalnum((unsigned char)*end))
			fail(p, p->pos, "bad number");
		p->pos = end;
		p->tok = TOK_NUM;
	} else if (*p->pos == '"') {
		lex_string(p);
	} else {
		for (size_t i = 0; i < sizeof(two_char_ops) / sizeof(two_char_ops[0]); i++)
			if (!strncmp(p->pos, two_char_ops[i].text, 2)) {
				p->pos += 2;
				p->tok = two_char_ops[i].tok;
				return;
			}
		p->tok = (unsigned char)*p->pos++;
	}
}

static bool accept(struct parser *p, int tok)
{
	if (p->tok != tok)
		return false;
	next(p);
	return true;
}

static const char *tok_name(int tok, char *buf, size_t len)
{
	static const char *names[] = { "identifier", "number", "string", "'->'", "'=='", "'!='",
				       "'<='",	     "'>='",   "'&&'",	 "'||'", "'<<'", "'>>'" };

	if (tok == TOK_EOF)
		return "end of probe";
	if (tok >= TOK_IDENT)
		return names[tok - TOK_IDENT];
	snprintf(buf, len, "'%c'", tok);
	return buf;
}

static bool expect(struct parser *p, int tok, const char *what)
{
	char want[16], got[16];

	if (accept(p, tok))
		return true;
	fail(p, p->tok_start, "expected %s %s, found %s", tok_name(tok, want, sizeof(want)), what,
	     tok_name(p->tok, got, sizeof(got)));
	return false;
}

static struct node *new_node(struct parser *p, enum node_kind kind, const char *at)
{
	struct node *n = calloc(1, sizeof(*n));

	if (!n) {
		fail(p, at, "out of memory");
		return NULL;
	}
	n->kind = kind;
	n->col = column(p, at);
	return n;
}

static struct node *finish_text(struct parser *p, struct node *n, const char *start)
{
	const char *end = p->tok_start;

	if (!n)
		return NULL;
	while (end > start && isspace((unsigned char)end[-1]))
		end--;
	n->text = strndup(start, end - start);
	return n;
}

static void node_free(struct node *n)
{
	if (!n)
		return;
	node_free(n->a);
	node_free(n->b);
	for (int i = 0; i < n->nargs; i++)
		node_free(n->args[i]);
	free(n->args);
	free(n->name);
	free(n->text);
	free(n);
}

static struct node *parse_expr(struct parser *p);
static struct node *parse_unary(struct parser *p);

static bool is_type_keyword(const char *s)
{
	static const char *const kw[] = { "struct", "union", "enum", "u8",  "u16",  "u32",   "u64",
					  "s8",	    "s16",   "s32",  "s64", "char", "int",  "long",
					  "short",  "unsigned", "signed", "void", "bool" };

	for (size_t i = 0; i < sizeof(kw) / sizeof(kw[0]); i++)
		if (!strcmp(s, kw[i]))
			return true;
	return false;
}

/* After '(': is this a cast? "(struct x *)", "(u32)", "(request_rec *)". */
static bool looks_like_cast(struct parser *p)
{
	const char *s = p->pos;
	int stars = 0;

	if (p->tok != TOK_IDENT)
		return false;
	if (is_type_keyword(p->tok_text))
		return true;
	while (isspace((unsigned char)*s))
		s++;
	while (*s == '*' || isspace((unsigned char)*s))
		stars += *s++ == '*';
	return stars > 0 && *s == ')';
}

static struct node *parse_cast(struct parser *p, const char *start)
{
	struct node *n = new_node(p, N_CAST, start);
	char type[128] = "";

	while (n && p->tok == TOK_IDENT) {
		if (type[0])
			strncat(type, " ", sizeof(type) - strlen(type) - 1);
		strncat(type, p->tok_text, sizeof(type) - strlen(type) - 1);
		next(p);
	}
	while (n && accept(p, '*'))
		n->stars++;
	if (!n || !expect(p, ')', "to close the cast")) {
		node_free(n);
		return NULL;
	}
	n->name = strdup(type);
	n->a = parse_unary(p);
	return finish_text(p, n, start);
}

static struct node *parse_call(struct parser *p, struct node *n)
{
	n->kind = N_CALL;
	while (!p->failed && p->tok != ')') {
		struct node **args = realloc(n->args, sizeof(*args) * (n->nargs + 1));

		if (!args)
			return n;
		n->args = args;
		n->args[n->nargs++] = parse_expr(p);
		if (!accept(p, ','))
			break;
	}
	expect(p, ')', "after the arguments");
	return n;
}

static struct node *parse_primary(struct parser *p)
{
	const char *start = p->tok_start;
	struct node *n;

	if (p->tok == TOK_NUM) {
		n = new_node(p, N_NUM, start);
		if (n)
			n->num = p->tok_num;
		next(p);
	} else if (p->tok == TOK_STR) {
		n = new_node(p, N_STR, start);
		if (n)
			n->name = strdup(p->tok_text);
		next(p);
	} else if (p->tok == TOK_IDENT) {
		n = new_node(p, N_IDENT, start);
		if (n)
			n->name = strdup(p->tok_text);
		next(p);
		if (n && accept(p, '('))
			n = parse_call(p, n);
	} else if (accept(p, '(')) {
		if (looks_like_cast(p))
			return parse_cast(p, start);
		n = parse_expr(p);
		expect(p, ')', "to close '('");
		return n;
	} else {
		char got[16];

		fail(p, start, "expected an expression, found %s", tok_name(p->tok, got, sizeof(got)));
		return NULL;
	}
	return finish_text(p, n, start);
}

static struct node *parse_postfix(struct parser *p)
{
	const char *start = p->tok_start;
	struct node *n = parse_primary(p), *m;

	while (n && !p->failed) {
		bool arrow = p->tok == TOK_ARROW;

		if (arrow || p->tok == '.') {
			next(p);
			if (p->tok != TOK_IDENT) {
				fail(p, p->tok_start, "expected a member name after '%s'", arrow ? "->" : ".");
				break;
			}
			m = new_node(p, N_MEMBER, start);
			if (!m)
				break;
			m->arrow = arrow;
			m->name = strdup(p->tok_text);
			m->a = n;
			next(p);
		} else if (accept(p, '[')) {
			m = new_node(p, N_INDEX, start);
			if (!m)
				break;
			m->a = n;
			m->b = parse_expr(p);
			expect(p, ']', "after the index");
		} else {
			break;
		}
		free(m->text);
		n = finish_text(p, m, start);
	}
	return n;
}

static struct node *parse_unary(struct parser *p)
{
	const char *start = p->tok_start;
	int op = p->tok;
	struct node *n;

	if (op != '-' && op != '!' && op != '~' && op != '*' && op != '&')
		return parse_postfix(p);
	next(p);
	n = new_node(p, N_UNARY, start);
	if (!n)
		return NULL;
	n->op = op;
	n->a = parse_unary(p);
	return finish_text(p, n, start);
}

static int precedence(int tok)
{
	switch (tok) {
	case TOK_OR: return 1;
	case TOK_AND: return 2;
	case '|': return 3;
	case '^': return 4;
	case '&': return 5;
	case TOK_EQ: case TOK_NE: return 6;
	case '<': case '>': case TOK_LE: case TOK_GE: return 7;
	case TOK_SHL: case TOK_SHR: return 8;
	case '+': case '-': return 9;
	case '*': case '/': case '%': return 10;
	}
	return 0;
}

static struct node *parse_binary(struct parser *p, int min_prec)
{
	const char *start = p->tok_start;
	struct node *lhs = parse_unary(p);

	while (lhs && !p->failed && precedence(p->tok) >= min_prec) {
		int op = p->tok, prec = precedence(op);
		struct node *n = new_node(p, N_BINARY, start);

		next(p);
		if (!n)
			break;
		n->op = op;
		n->a = lhs;
		n->b = parse_binary(p, prec + 1);
		free(n->text);
		lhs = finish_text(p, n, start);
	}
	return lhs;
}

static struct node *parse_expr(struct parser *p)
{
	return parse_binary(p, 1);
}

static const struct {
	const char *prefix;
	enum probe_target_kind kind;
} target_kinds[] = {
	{ "u", TARGET_UPROBE },	   { "uprobe", TARGET_UPROBE },	    { "r", TARGET_URETPROBE },
	{ "uretprobe", TARGET_URETPROBE }, { "usdt", TARGET_USDT }, { "t", TARGET_TRACEPOINT },
	{ "tracepoint", TARGET_TRACEPOINT },
};

/* FUNC[+OFF] for u: probes */
static bool split_offset(struct parser *p, struct probe_ast *pa, const char *at)
{
	char *plus = strrchr(pa->function, '+'), *end;

	if (!plus || pa->kind != TARGET_UPROBE)
		return true;
	errno = 0;
	pa->offset = strtoull(plus + 1, &end, 0);
	if (errno || *end || end == plus + 1) {
		fail(p, at, "bad offset '%s' (expected FUNC+N)", plus + 1);
		return false;
	}
	*plus = 0;
	return true;
}

/* KIND:BIN:FUNC, KIND:BIN:[PROVIDER:]NAME, t:CAT:NAME. C++ names in FUNC keep
 * their "::" because FUNC is everything after the second ':'. */
static bool parse_target(struct parser *p, struct probe_ast *pa)
{
	const char *start = p->pos, *end = start, *c1, *c2;
	size_t i;

	while (*end && !isspace((unsigned char)*end) && *end != '{')
		end++;
	pa->text = strndup(start, end - start);
	p->pos = end;
	c1 = memchr(start, ':', end - start);
	c2 = c1 ? memchr(c1 + 1, ':', end - c1 - 1) : NULL;
	if (!c1 || !c2 || c2 == c1 + 1 || c2 + 1 == end) {
		fail(p, start, "expected a probe like u:BINARY:FUNCTION, r:BINARY:FUNCTION, "
			       "usdt:BINARY:[PROVIDER:]NAME or t:CATEGORY:NAME, found '%.*s'",
		     (int)(end - start), start);
		return false;
	}
	for (i = 0; i < sizeof(target_kinds) / sizeof(target_kinds[0]); i++)
		if (strlen(target_kinds[i].prefix) == (size_t)(c1 - start) &&
		    !strncmp(start, target_kinds[i].prefix, c1 - start))
			break;
	if (i == sizeof(target_kinds) / sizeof(target_kinds[0])) {
		fail(p, start, "unknown probe kind '%.*s' (u, r, usdt, t)", (int)(c1 - start), start);
		return false;
	}
	pa->kind = target_kinds[i].kind;
	pa->binary = strndup(c1 + 1, c2 - c1 - 1);
	pa->function = strndup(c2 + 1, end - c2 - 1);
	if (pa->kind == TARGET_USDT && strchr(pa->function, ':')) {
		char *colon = strrchr(pa->function, ':');

		pa->provider = strndup(pa->function, colon - pa->function);
		memmove(pa->function, colon + 1, strlen(colon));
	}
	return split_offset(p, pa, c2 + 1);
}

static bool push_expr(struct node ***list, int *n, struct node *e)
{
	struct node **grown = realloc(*list, sizeof(**list) * (*n + 1));

	if (!grown)
		return false;
	*list = grown;
	grown[(*n)++] = e;
	return true;
}

static void parse_list(struct parser *p, struct node ***list, int *n)
{
	if (!expect(p, '(', "to start the list"))
		return;
	while (!p->failed && p->tok != ')') {
		if (!push_expr(list, n, parse_expr(p)))
			return;
		if (!accept(p, ','))
			break;
	}
	expect(p, ')', "to close the list");
}

static int64_t parse_int_arg(struct parser *p)
{
	int64_t sign = accept(p, '-') ? -1 : 1, v = p->tok_num;

	expect(p, TOK_NUM, "(a number)");
	return sign * v;
}

static const struct {
	const char *name;
	enum action_kind kind;
} actions[] = {
	{ "print", ACT_PRINT }, { "count", ACT_COUNT }, { "hist", ACT_HIST },
	{ "lhist", ACT_LHIST }, { "sum", ACT_SUM },
};

/* attr(NAME, EXPR): a named attribute of a span, kept with its value. */
static void parse_attr(struct parser *p, struct probe_ast *pa, const char *at)
{
	struct node *value;
	char **names, *name;

	if (pa->action != ACT_NONE && pa->action != ACT_ATTR) {
		fail(p, at, "attr(...) cannot be mixed with other actions");
		return;
	}
	pa->action = ACT_ATTR;
	next(p);
	if (!expect(p, '(', "after attr"))
		return;
	if (p->tok != TOK_IDENT) {
		fail(p, p->tok_start, "expected an attribute name: attr(NAME, VALUE)");
		return;
	}
	name = strdup(p->tok_text);
	next(p);
	value = expect(p, ',', "after the attribute name") ? parse_expr(p) : NULL;
	names = value ? realloc(pa->attr_names, sizeof(*names) * (pa->nexprs + 1)) : NULL;
	if (names)
		pa->attr_names = names;
	if (!name || !names || !push_expr(&pa->exprs, &pa->nexprs, value)) {
		free(name);
		node_free(value);
		if (!p->failed)
			fail(p, at, "out of memory");
		return;
	}
	names[pa->nexprs - 1] = name;
	expect(p, ')', "to close attr");
}

static void parse_action(struct parser *p, struct probe_ast *pa)
{
	const char *at = p->tok_start;
	size_t i;

	if (p->tok == TOK_IDENT && !strcmp(p->tok_text, "attr")) {
		parse_attr(p, pa, at);
		return;
	}

	for (i = 0; p->tok == TOK_IDENT && i < sizeof(actions) / sizeof(actions[0]); i++)
		if (!strcmp(p->tok_text, actions[i].name))
			break;
	if (p->tok != TOK_IDENT || i == sizeof(actions) / sizeof(actions[0])) {
		fail(p, at, "expected an action: print(...), count(), hist(...), lhist(...), sum(...), "
			    "attr(...)");
		return;
	}
	if (pa->action != ACT_NONE) {
		fail(p, at, "one action per probe: repeat the probe for another action");
		return;
	}
	pa->action = actions[i].kind;
	next(p);
	if (pa->action == ACT_LHIST) {
		expect(p, '(', "after lhist");
		push_expr(&pa->exprs, &pa->nexprs, parse_expr(p));
		expect(p, ',', "after the value");
		pa->lhist_min = parse_int_arg(p);
		expect(p, ',', "after the minimum");
		pa->lhist_max = parse_int_arg(p);
		expect(p, ',', "after the maximum");
		pa->lhist_step = parse_int_arg(p);
		expect(p, ')', "to close lhist");
		if (!p->failed && (pa->lhist_step <= 0 || pa->lhist_max <= pa->lhist_min))
			fail(p, at, "lhist needs min < max and step > 0");
	} else {
		parse_list(p, &pa->exprs, &pa->nexprs);
	}
	if (pa->action == ACT_COUNT && pa->nexprs)
		fail(p, at, "count() takes no argument");
	if ((pa->action == ACT_HIST || pa->action == ACT_SUM) && pa->nexprs != 1)
		fail(p, at, "%s() takes one value", actions[i].name);
	if (p->tok == TOK_IDENT && !strcmp(p->tok_text, "by")) {
		if (pa->action == ACT_PRINT)
			fail(p, p->tok_start, "'by' groups aggregations, not print()");
		next(p);
		parse_list(p, &pa->keys, &pa->nkeys);
	}
}

/* 'root' or 'span' before the target. */
static enum probe_role parse_role(struct parser *p)
{
	static const struct {
		const char *word;
		enum probe_role role;
	} roles[] = { { "root", ROLE_ROOT }, { "span", ROLE_SPAN } };

	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		size_t len = strlen(roles[i].word);

		if (!strncmp(p->pos, roles[i].word, len) && isspace((unsigned char)p->pos[len])) {
			p->pos += len;
			skip_space(p);
			return roles[i].role;
		}
	}
	return ROLE_NONE;
}

static struct probe_ast *parse_probe(struct parser *p)
{
	struct probe_ast *pa = calloc(1, sizeof(*pa));

	if (pa)
		pa->role = parse_role(p);
	if (!pa || !parse_target(p, pa))
		return pa;
	next(p);
	if (p->tok == TOK_IDENT && !strcmp(p->tok_text, "if")) {
		next(p);
		pa->predicate = parse_expr(p);
	}
	if (accept(p, '{')) {
		while (!p->failed && p->tok != '}') {
			parse_action(p, pa);
			if (!accept(p, ';'))
				break;
		}
		expect(p, '}', "to close the actions");
	}
	return pa;
}

static void probe_free(struct probe_ast *pa)
{
	if (!pa)
		return;
	free(pa->binary);
	free(pa->function);
	free(pa->provider);
	free(pa->text);
	node_free(pa->predicate);
	for (int i = 0; i < pa->nexprs; i++) {
		node_free(pa->exprs[i]);
		if (pa->attr_names)
			free(pa->attr_names[i]);
	}
	free(pa->attr_names);
	for (int i = 0; i < pa->nkeys; i++)
		node_free(pa->keys[i]);
	free(pa->exprs);
	free(pa->keys);
	free(pa);
}

void script_free(struct script *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->nprobes; i++)
		probe_free(s->probes[i]);
	free(s->probes);
	free(s);
}

struct script *probe_parse(const char *text, char *err, size_t errlen)
{
	struct parser p = { .src = text, .pos = text, .line_start = text, .err = err, .errlen = errlen };
	struct script *s = calloc(1, sizeof(*s));

	skip_space(&p);
	while (s && !p.failed && *p.pos) {
		struct probe_ast **grown = realloc(s->probes, sizeof(*grown) * (s->nprobes + 1));

		if (!grown)
			break;
		s->probes = grown;
		p.probe_no = s->nprobes + 1;
		s->probes[s->nprobes++] = parse_probe(&p);
		if (p.failed)
			break;
		if (p.tok != TOK_EOF && !isalpha((unsigned char)*p.tok_start)) {
			fail(&p, p.tok_start, "unexpected text after the probe");
			break;
		}
		p.pos = p.tok_start; /* the next probe's target is scanned raw */
		free(p.tok_text);
		p.tok_text = NULL;
		skip_space(&p);
	}
	if (s && !p.failed && !s->nprobes)
		fail(&p, p.pos, "no probe given");
	free(p.tok_text);
	if (p.failed || !s) {
		script_free(s);
		return NULL;
	}
	return s;
}
