/* The report every stack tool prints: values summed per symbolized stack,
 * then shown as text (heaviest first, BCC style), JSON lines, merged folded
 * lines (--folded) and/or an SVG flame graph (--svg FILE). Two stacks with
 * different ids can symbolize to the same frames (samples at different
 * offsets of the same functions): they merge here.
 *
 * The options are shared too: STACK_REPORT_OPTIONS goes into a command's
 * option table and fills stack_cli; stack_cli_apply() passes -U/-K to the
 * BPF object's stacks_user/stacks_kernel. */
#ifndef BPFSCOPE_STACKREPORT_H
#define BPFSCOPE_STACKREPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "bpf/stacks.h"
#include "core/options.h"

struct bpf_object;
struct stacks;

struct stack_cli {
	bool folded;
	const char *svg;
	int top;
	bool user_only, kernel_only;
};
extern struct stack_cli stack_cli;

#define STACK_REPORT_OPTIONS                                                                        \
	{"folded",	    'f',  OPT_FLAG,                                                         \
	 &stack_cli.folded, NULL, "print folded stacks (flamegraph.pl, speedscope)"},               \
	    {"svg", 0, OPT_STRING, &stack_cli.svg, "FILE", "write an interactive SVG flame graph"}, \
	    {"top", 'n', OPT_INT, &stack_cli.top, "N", "show only the N heaviest stacks", 1, 1e9},  \
	    {"user-only", 'U', OPT_FLAG, &stack_cli.user_only, NULL, "user stacks only"},           \
	{                                                                                           \
		"kernel-only", 'K', OPT_FLAG, &stack_cli.kernel_only, NULL, "kernel stacks only"    \
	}

/* Validates -U/-K and sets the object's stacks_user/stacks_kernel. */
int stack_cli_apply(struct bpf_object *obj);

struct stack_report_opts {
	const char *unit;	 /* of value: "samples", "us", "bytes" */
	const char *count_label; /* of count, e.g. "allocations"; NULL: no count */
	const char *title;	 /* flame graph title */
	enum out_format format;
};

struct stack_report;

struct stack_report *stack_report__new(const struct stack_report_opts *opts);
/* Symbolizes key and adds value and count to its stack, under label
 * (NULL: the key's comm) as the root frame. */
int stack_report__add(struct stack_report *r, struct stacks *st, const struct stack_key *key,
		      const char *label, uint64_t value, uint64_t count);
#define STACK_LABEL_LEN 48

/* Adds an already folded stack ("frame;frame"), for tools and tests. */
int stack_report__add_folded(struct stack_report *r, uint32_t pid, const char *label,
			     const char *frames, uint64_t value, uint64_t count);
/* Adds every entry of a hash map keyed by struct stack_key with struct
 * stack_value values, value divided by divisor (ns -> us: 1000); deletes
 * them when clear is set (interval reports). */
int stack_report__add_map(struct stack_report *r, struct stacks *st, int map_fd, uint64_t divisor,
			  bool clear);
size_t stack_report__len(const struct stack_report *r);
uint64_t stack_report__total(const struct stack_report *r);
/* Prints per stack_cli: folded or text/JSON on out, and the SVG file. */
int stack_report__print(struct stack_report *r, FILE *out);
void stack_report__free(struct stack_report *r);

/* "bpfscope: N stacks, N frames, N unsymbolized, N stacks missing" */
void stacks_report_stats(const struct stacks *st);

#endif
