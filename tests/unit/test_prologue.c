/* Entry-probe relocation: prologue analysis on byte sequences (where the
 * probe moves, where each argument is there, why it does not move) and the
 * rewrite of a probe's argument reads (src/probe/prologue.h, site.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "probe/prologue.h"
#include "probe/site.h"

#define RDI 7
#define RSI 6
#define RAX 0
#define RBX 3

static struct prologue_plan analyze(const char *hex)
{
	uint8_t code[128];
	size_t n = 0;
	struct prologue_plan plan;

	while (*hex) {
		unsigned v;

		if (*hex == ' ') {
			hex++;
			continue;
		}
		sscanf(hex, "%2x", &v);
		code[n++] = (uint8_t)v;
		hex += 2;
	}
	prologue_analyze(code, n, &plan);
	return plan;
}

static void assert_reg(const struct prologue_plan *p, int arg, unsigned reg)
{
	if (p->args[arg].kind != ARGLOC_REG || p->args[arg].reg != reg)
		fail_msg("arg%d: kind %d reg %u, want reg %u", arg, p->args[arg].kind,
			 p->args[arg].reg, reg);
}

static void assert_refused(const struct prologue_plan *p, const char *why)
{
	if (p->relocated || !strstr(p->why, why))
		fail_msg("relocated %d why '%s', want refusal with '%s'", p->relocated, p->why,
			 why);
}

static void test_endbr_push(void **state)
{
	/* endbr64; push %rbp; mov %rsp,%rbp; pop %rbp; ret */
	struct prologue_plan p = analyze("f30f1efa 55 4889e5 5d c3");

	(void)state;
	assert_true(p.relocated);
	assert_int_equal(p.offset, 4);
	assert_int_equal(p.sp_delta, 0);
	assert_int_equal(p.nskipped, 1);
	assert_reg(&p, 0, RDI);
	assert_reg(&p, 1, RSI);
	assert_string_equal(p.why, "endbr64");
}

static void test_register_moves(void **state)
{
	/* mov %rdi,%rax; xor %edi,%edi; push %rbx */
	struct prologue_plan p = analyze("4889f8 31ff 53 5b c3");
	/* mov %edi,%ebx (32-bit: keeps an int); mov %rsi,%rdi; push %r12 (41 54) */
	struct prologue_plan q = analyze("89fb 4889f7 4154 415c c3");
	/* mov %dil,%al (8-bit: not the whole argument); xor %edi,%edi; push %rbx */
	struct prologue_plan r = analyze("4088f8 31ff 53 c3");

	(void)state;
	assert_true(p.relocated);
	assert_int_equal(p.offset, 5);
	assert_reg(&p, 0, RAX);
	assert_reg(&p, 1, RSI);
	assert_true(q.relocated);
	assert_int_equal(q.offset, 5);
	assert_reg(&q, 0, RBX);
	assert_reg(&q, 1, RSI); /* the original register is preferred to the copy in %rdi */
	assert_true(r.relocated);
	assert_int_equal(r.args[0].kind, ARGLOC_LOST);
}

static void test_stack_tracking(void **state)
{
	/* sub $0x18,%rsp; mov %rdi,0x8(%rsp); xor %edi,%edi; rex.W push %rbx; push %rbp */
	struct prologue_plan p = analyze("4883ec18 48897c2408 31ff 4853 55 c3");
	/* sub $0x100,%rsp (imm32); mov %rsi,(%rsp); mov $1,%esi; push %rbx */
	struct prologue_plan q = analyze("4881ec00010000 48893424 be01000000 53 c3");

	(void)state;
	assert_true(p.relocated);
	assert_int_equal(p.offset, 0xd);
	assert_int_equal(p.sp_delta, 0x20);
	assert_int_equal(p.args[0].kind, ARGLOC_STACK);
	assert_int_equal(p.args[0].sp_off, 0x10);
	assert_true(q.relocated);
	assert_int_equal(q.sp_delta, 0x100);
	assert_int_equal(q.args[1].kind, ARGLOC_STACK);
	assert_int_equal(q.args[1].sp_off, 0);
}

static void test_loads_and_sse(void **state)
{
	/* sub $0x18,%rsp; mov %fs:0x28,%rax (stack protector); movaps %xmm0,(%rsp);
	 * pxor %xmm0,%xmm0; cltq; push %rbx */
	struct prologue_plan p =
	    analyze("4883ec18 64488b042528000000 0f290424 660fefc0 4898 53 c3");
	/* movd %xmm0,%edi overwrites arg0's register */
	struct prologue_plan q = analyze("660f7ec7 53 c3");
	/* movups %xmm0,(%rdi): a store through a pointer */
	struct prologue_plan r = analyze("0f1107 53 c3");

	(void)state;
	assert_true(p.relocated);
	assert_int_equal(p.offset, 0x17);
	assert_int_equal(p.sp_delta, 0x18);
	assert_reg(&p, 0, RDI);
	assert_true(q.relocated);
	assert_int_equal(q.args[0].kind, ARGLOC_LOST);
	assert_refused(&r, "store outside the stack frame");
}

static void test_refusals(void **state)
{
	struct prologue_plan p;

	(void)state;
	p = analyze("55 4889e5 5d c3"); /* push %rbp first: nothing to do */
	assert_refused(&p, "first instruction is emulated");
	p = analyze("488937 53 5b c3"); /* mov %rsi,(%rdi): memory the probe may read */
	assert_refused(&p, "store outside the stack frame");
	p = analyze("48897c2408 53 c3"); /* mov %rdi,0x8(%rsp): above the entry %rsp */
	assert_refused(&p, "store outside the stack frame");
	p = analyze("4889f9 53 5b 48ffc9 75f9 c3"); /* a loop back onto the push */
	assert_refused(&p, "lands inside the prologue");
	p = analyze("4889f8 ffd0 53 c3"); /* call *%rax */
	assert_refused(&p, "indirect branch");
	p = analyze("4883c408 53 c3"); /* add $8,%rsp: above the entry value */
	assert_refused(&p, "above its entry value");
	p = analyze("4889c4 53 c3"); /* mov %rax,%rsp */
	assert_refused(&p, "write to %rsp");
	p = analyze("c3"); /* ret: single-stepped, a branch */
	assert_refused(&p, "does not model");
	p = analyze("5b 53"); /* nothing emulated: ends before a push */
	assert_false(p.relocated);
}

static void test_ops_rewrite(void **state)
{
	struct prologue_plan p = analyze("4883ec18 48897c2408 31ff 4853 55 c3");
	struct prologue_plan lost = analyze("4088f8 31ff 53 c3");
	struct probe_cfg cfg = {.nops = 4};
	char why[160];

	(void)state;
	cfg.ops[0] = (struct probe_op){POP_ARG, 0, 0, 0, 0};
	cfg.ops[1] = (struct probe_op){POP_ARG, 0, 1, 0, 0};
	cfg.ops[2] = (struct probe_op){POP_ADDX, 0, 0, 0, 0};
	cfg.ops[3] = (struct probe_op){POP_ARG, 0, 6, 0, 0};
	assert_int_equal(probe_ops_relocate(&cfg, &p, why, sizeof(why)), 0);
	assert_int_equal(cfg.nops, 8);
	/* arg0: 0x10(%rsp) */
	assert_int_equal(cfg.ops[0].code, POP_REG);
	assert_int_equal(cfg.ops[0].a, 152);
	assert_int_equal(cfg.ops[1].code, POP_ADD_IMM);
	assert_int_equal(cfg.ops[1].imm, 0x10);
	assert_int_equal(cfg.ops[2].code, POP_DEREF);
	assert_int_equal(cfg.ops[2].b, 8);
	/* arg1: %rsi */
	assert_int_equal(cfg.ops[3].code, POP_REG);
	assert_int_equal(cfg.ops[3].a, prologue_pt_regs_offset(RSI));
	assert_int_equal(cfg.ops[4].code, POP_ADDX);
	/* arg6: above the return address, entry %rsp + 8 = %rsp + 0x20 + 8 */
	assert_int_equal(cfg.ops[6].code, POP_ADD_IMM);
	assert_int_equal(cfg.ops[6].imm, 0x28);

	cfg.nops = 1;
	cfg.ops[0] = (struct probe_op){POP_ARG, 0, 0, 0, 0};
	assert_int_equal(probe_ops_relocate(&cfg, &lost, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "arg0 is overwritten"));
	assert_int_equal(cfg.ops[0].code, POP_ARG); /* unchanged */
	/* arg1 is intact in that plan: relocation is per probe, by what it reads */
	cfg.ops[0].a = 1;
	assert_int_equal(probe_ops_relocate(&cfg, &lost, why, sizeof(why)), 0);
}

static void test_pt_regs(void **state)
{
	(void)state;
	assert_int_equal(prologue_pt_regs_offset(RDI), 112);
	assert_int_equal(prologue_pt_regs_offset(RAX), 80);
	assert_int_equal(prologue_pt_regs_offset(RBX), 40);
	assert_int_equal(prologue_pt_regs_offset(4), 152);
	assert_int_equal(prologue_pt_regs_offset(15), 0);
	assert_int_equal(prologue_pt_regs_offset(16), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_endbr_push),	   cmocka_unit_test(test_register_moves),
	    cmocka_unit_test(test_stack_tracking), cmocka_unit_test(test_loads_and_sse),
	    cmocka_unit_test(test_refusals),	   cmocka_unit_test(test_ops_rewrite),
	    cmocka_unit_test(test_pt_regs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
