/* See site.h. The function's bytes are read from the file at the probe's
 * file offset (the uprobe offset), so no address translation is repeated. */
#include "probe/site.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/uprobe_site.h"

#define MAX_FUNC_BYTES 65536 /* longer functions: only this much is checked */
#define RSP_OFFSET     152   /* struct pt_regs: sp */

/* The operations replacing one argument read; 0 when it is not recoverable. */
static int arg_ops(const struct prologue_plan *plan, unsigned arg, struct probe_op out[3])
{
	if (arg >= PROLOGUE_ARGS) { /* on the stack above the return address */
		out[0] = (struct probe_op){POP_REG, 0, RSP_OFFSET, 0, 0};
		out[1] = (struct probe_op){POP_ADD_IMM, 0, 0, 0, plan->sp_delta + 8 * (arg - 5)};
		out[2] = (struct probe_op){POP_DEREF, 0, 0, 8, 0};
		return 3;
	}
	switch (plan->args[arg].kind) {
	case ARGLOC_REG:
		out[0] = (struct probe_op){
		    POP_REG, 0, (__u16)prologue_pt_regs_offset(plan->args[arg].reg), 0, 0};
		return 1;
	case ARGLOC_STACK:
		out[0] = (struct probe_op){POP_REG, 0, RSP_OFFSET, 0, 0};
		out[1] = (struct probe_op){POP_ADD_IMM, 0, 0, 0, plan->args[arg].sp_off};
		out[2] = (struct probe_op){POP_DEREF, 0, 0, 8, 0};
		return 3;
	default: return 0;
	}
}

int probe_ops_relocate(struct probe_cfg *cfg, const struct prologue_plan *plan, char *why,
		       size_t len)
{
	struct probe_op ops[PROBE_MAX_OPS] = {0}, repl[3];
	__u32 n = 0;

	for (__u32 i = 0; i < cfg->nops; i++) {
		int k = 1;

		if (cfg->ops[i].code == POP_ARG) {
			k = arg_ops(plan, cfg->ops[i].a, repl);
			if (!k) {
				snprintf(why, len,
					 "arg%u is overwritten before the first emulated "
					 "instruction",
					 cfg->ops[i].a);
				return -1;
			}
		} else {
			repl[0] = cfg->ops[i];
		}
		if (n + (__u32)k > PROBE_MAX_OPS) {
			snprintf(why, len, "the remapped probe needs more than %d operations",
				 PROBE_MAX_OPS);
			return -1;
		}
		memcpy(&ops[n], repl, k * sizeof(repl[0]));
		n += (__u32)k;
	}
	memcpy(cfg->ops, ops, n * sizeof(ops[0]));
	cfg->nops = n;
	return 0;
}

static ssize_t read_function(const char *path, uint64_t off, size_t size, uint8_t *buf)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t got;

	if (fd < 0)
		return -errno;
	got = pread(fd, buf, size, (off_t)off);
	close(fd);
	return got;
}

/* "argument -> place" list for -v. */
static void describe_args(const struct prologue_plan *plan, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = 0;
	for (int a = 0; a < PROLOGUE_ARGS && used < len; a++) {
		const struct arg_loc *l = &plan->args[a];

		if (l->kind == ARGLOC_REG)
			used += snprintf(buf + used, len - used, " arg%d=%%%s", a,
					 prologue_reg_name(l->reg));
		else if (l->kind == ARGLOC_STACK)
			used += snprintf(buf + used, len - used, " arg%d=%d(%%rsp)", a, l->sp_off);
		else
			used += snprintf(buf + used, len - used, " arg%d=lost", a);
	}
}

static void relocate(const struct probe_ast *ast, struct resolved *res, struct compiled_probe *cp,
		     const uint8_t *code, size_t n)
{
	struct prologue_plan plan;
	char why[160], args[160];

	prologue_analyze(code, n, &plan);
	if (!plan.relocated) {
		snprintf(res->site_note, sizeof(res->site_note),
			 "%s: first instruction single-stepped; not moved: %s", ast->text,
			 plan.why);
		return;
	}
	if (probe_ops_relocate(&cp->cfg, &plan, why, sizeof(why))) {
		snprintf(res->site_note, sizeof(res->site_note),
			 "%s: first instruction single-stepped; not moved: %s", ast->text, why);
		return;
	}
	describe_args(&plan, args, sizeof(args));
	res->relocated = plan.offset;
	res->file_offset += plan.offset;
	snprintf(res->site_note, sizeof(res->site_note), "%s: moved +0x%x past %s (sp-%d):%s",
		 ast->text, plan.offset, plan.why, plan.sp_delta, args);
}

int probe_site_prepare(const struct probe_ast *ast, struct resolved *res, struct compiled_probe *cp,
		       const struct site_opts *opts, char *err, size_t errlen)
{
	size_t want = res->func_size ? res->func_size : 15;
	struct uprobe_site site;
	uint8_t *code;
	ssize_t n;

#ifndef __x86_64__
	return 0; /* the classification and the prologue model are x86-64's */
#endif
	if (ast->kind != TARGET_UPROBE && ast->kind != TARGET_URETPROBE)
		return 0;
	if (want > MAX_FUNC_BYTES)
		want = MAX_FUNC_BYTES;
	code = malloc(want);
	if (!code)
		return 0;
	n = read_function(res->path, res->file_offset, want, code);
	if (n <= 0) {
		free(code);
		return 0; /* the attach will say what is wrong */
	}
	uprobe_site_classify(code, (size_t)n, &site);
	if (strstr(site.mnemonic, " (mis-emulated)") && !opts->force) {
		*strstr(site.mnemonic, " (mis-emulated)") = 0;
		snprintf(
		    err, errlen,
		    "%s: the kernel would skip the first instruction (%s) instead "
		    "of running it, changing what the program computes; --force to probe anyway",
		    ast->text, site.mnemonic);
		free(code);
		return -1;
	}
	/* entry probes only, at a function's start, named (size known); span
	 * probes also pair their return with the entry's stack pointer */
	if (ast->kind == TARGET_UPROBE && !ast->role && site.kind == SITE_SINGLE_STEP &&
	    !ast->offset && res->func_size) {
		if (opts->no_relocate)
			snprintf(res->site_note, sizeof(res->site_note),
				 "%s: first instruction single-stepped; --no-relocate", ast->text);
		else
			relocate(ast, res, cp, code, (size_t)n);
	}
	free(code);
	return 0;
}
