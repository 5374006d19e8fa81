/* Pure logic of `bpfscope php`, kept apart from BPF so it is unit-tested:
 *
 * - formatting captured zvals the way PHP's var_export would show them,
 *   shortened ("abc", 42, 1.5, true, null, array(3), object(Foo));
 * - a per-thread stack that pairs entries with returns. Executor returns
 *   name their frame: frames above it on the stack were left by an
 *   exception (no RETURN opcode ran) and are closed as "unwound". USDT
 *   returns name no frame and close the innermost call;
 * - the call tree: calls merged by path from the request root, with call
 *   count, total and self time (total minus the children's total), printed
 *   indented in first-call order, and folded into a flame graph. */
#ifndef BPFSCOPE_PHP_CALLS_H
#define BPFSCOPE_PHP_CALLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "bpf/php.h"

struct flame;
struct json_object;

void php_arg_format(const struct php_arg *a, char *buf, size_t len);
/* "Class->method(arg, ...)", "Class::static_method(...)", "func(...)"
 * (", ..." when more were passed than captured). */
void php_call_format(const struct php_call_event *e, char *buf, size_t len);
/* "Class->method", "Class::static_method", "func" */
void php_name_format(const struct php_call_event *e, char *buf, size_t len);

#define PHP_STACK_MAX 512

struct php_frame {
	uint64_t frame, start_ns;
	uint8_t mech;
	uint8_t internal; /* an internal function (where: its caller's line) */
	char name[2 * PHP_NAME_LEN + 4];
	char call[512];
	char where[PHP_FILE_LEN + 16];
};

/* Frames grow on demand (a frame is ~800 bytes, most stacks are shallow). */
struct php_stack {
	uint32_t pid, tid;
	int depth, cap;
	uint64_t lost; /* entries beyond PHP_STACK_MAX or without memory */
	struct php_frame *f;
};

/* Pushes a call; returns the new frame or NULL when the stack is full. */
struct php_frame *php_stack_push(struct php_stack *s, uint64_t frame, uint64_t start_ns);
/* Index of the frame a return closes: frame 0 is the innermost, otherwise
 * the nearest match from the top; -1 when the call is not on the stack
 * (it began before tracing started). */
int php_stack_match(const struct php_stack *s, uint64_t frame);
void php_stack_free(struct php_stack *s);

struct php_tree;

struct php_tree *php_tree__new(void);
/* Adds one finished call whose path from the root is names[0..n). */
int php_tree__add(struct php_tree *t, const char *const *names, int n, uint64_t dur_ns);
/* Indented tree: TOTAL_US SELF_US CALLS NAME, children in first-call order. */
void php_tree__print(const struct php_tree *t, FILE *out);
/* The same as a JSON array of {function, calls, total_us, self_us,
 * children}. */
struct json_object *php_tree__json(const struct php_tree *t);
/* Self times (us) of every path, prefixed with root (may be NULL). */
int php_tree__flame(const struct php_tree *t, const char *root, struct flame *f);
bool php_tree__empty(const struct php_tree *t);
void php_tree__free(struct php_tree *t);

#endif
