/* Syntax tree of the probe language (docs/probe-language.md).
 *
 *   script := probe+
 *   probe  := [ 'root' | 'span' ] TARGET [ 'if' expr ] [ '{' action { ';' action } '}' ]
 *   TARGET := u:BIN:FUNC[+OFF] | r:BIN:FUNC | usdt:BIN:[PROVIDER:]NAME | t:CAT:NAME
 *   action := print '(' [expr {',' expr}] ')'
 *           | (count '(' ')' | hist '(' expr ')' | sum '(' expr ')'
 *              | lhist '(' expr ',' min ',' max ',' step ')') [ by '(' expr {',' expr} ')' ]
 *           | attr '(' NAME ',' expr ')'      (span probes; several allowed)
 *   expr   := C expressions: || && | ^ & == != < <= > >= << >> + - * / % unary - ! ~ * &,
 *             casts '(' type ')', postfix -> . [N] and calls str() ip() hex()
 */
#ifndef BPFSCOPE_PROBE_AST_H
#define BPFSCOPE_PROBE_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Tokens: single characters stand for themselves; these are the others.
 * Binary and unary nodes keep their operator token in node.op. */
enum {
	TOK_EOF = 0,
	TOK_IDENT = 256,
	TOK_NUM,
	TOK_STR,
	TOK_ARROW,
	TOK_EQ,
	TOK_NE,
	TOK_LE,
	TOK_GE,
	TOK_AND,
	TOK_OR,
	TOK_SHL,
	TOK_SHR,
};

enum node_kind {
	N_NUM,
	N_STR,    /* string literal */
	N_IDENT,  /* arg0, retval, comm, a parameter or tracepoint field name */
	N_UNARY,  /* op: '-', '!', '~', '*' (deref), '&' (address) */
	N_BINARY, /* op: token of the operator */
	N_MEMBER, /* a->name (arrow) or a.name */
	N_INDEX,  /* a[b] */
	N_CALL,   /* name(args) */
	N_CAST,   /* (type) a */
};

struct node {
	enum node_kind kind;
	int col;            /* 1-based column in the probe text */
	int op;             /* operator token (see parse.c TOK_*) */
	bool arrow;
	int64_t num;
	char *name;         /* identifier, member, function, string literal, cast type */
	int stars;          /* cast: pointer depth */
	struct node *a, *b;
	struct node **args;
	int nargs;
	char *text;         /* source text of this expression (labels) */
};

enum probe_target_kind { TARGET_UPROBE, TARGET_URETPROBE, TARGET_USDT, TARGET_TRACEPOINT };

enum action_kind { ACT_NONE, ACT_PRINT, ACT_COUNT, ACT_HIST, ACT_LHIST, ACT_SUM, ACT_ATTR };

/* Request spans (docs/spans.md): 'root' opens a request, 'span' (or no
 * keyword, in the span commands) is a child inside an open one. */
enum probe_role { ROLE_NONE, ROLE_ROOT, ROLE_SPAN };

struct probe_ast {
	enum probe_target_kind kind;
	char *binary;       /* u/r/usdt: path or library name; t: category */
	char *function;     /* u/r: symbol or 0xADDR; usdt: name; t: event */
	char *provider;     /* usdt: may be NULL */
	uint64_t offset;    /* u: +OFF */
	struct node *predicate;
	enum action_kind action;
	struct node **exprs; /* print arguments, or the aggregated value (exprs[0]) */
	int nexprs;
	struct node **keys;  /* by (...) */
	int nkeys;
	int64_t lhist_min, lhist_max, lhist_step;
	char *text;          /* the probe's source */
	enum probe_role role;
	char **attr_names;   /* attr(NAME, ...): one per exprs[i] */
};

struct script {
	struct probe_ast **probes;
	int nprobes;
};

/* Parses a script. On error returns NULL and writes "column N: message"
 * (with probe number when there are several) into err. */
struct script *probe_parse(const char *text, char *err, size_t errlen);
void script_free(struct script *s);

#endif
