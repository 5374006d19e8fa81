/* Functions whose first instruction the kernel single-steps, with
 * prologues that move their arguments before the first emulated
 * instruction, for entry-probe relocation (src/probe/prologue.h,
 * tests/integ/trace_reloc.sh). Written in assembly so the prologues do not
 * depend on the compiler.
 *
 *   reloc_target wait ROUNDS   waits for a line on stdin, then calls each
 *                              function ROUNDS times with arguments derived
 *                              from the round number (see main)
 *   reloc_target loop SECONDS  calls rl_movpush in a loop (cost measurement)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define F(name, body)                                                                              \
	__asm__(".text\n.globl " #name "\n.type " #name ",@function\n.p2align 4\n" #name           \
		":\n" body "\n.size " #name ", .-" #name "\n")

/* endbr64 (single-stepped), then push %rbp (emulated): arguments untouched */
F(rl_endbr, "endbr64\npush %rbp\nmov %rsp,%rbp\nlea (%rdi,%rsi),%rax\npop %rbp\nret");
/* arg0 moves to %rax and %rdi is cleared before the push */
F(rl_movpush, "mov %rdi,%rax\nxor %edi,%edi\npush %rbx\nmov %rsi,%rbx\nadd %rbx,%rax\n"
	      "add %rdx,%rax\npop %rbx\nret");
/* arg0 goes to a stack slot, %rdi is cleared, a single-stepped push (REX.W)
 * moves %rsp again: at the push %rbp arg0 is at 0x10(%rsp) */
F(rl_stack, "sub $0x18,%rsp\nmov %rdi,0x8(%rsp)\nxor %edi,%edi\n.byte 0x48,0x53\npush %rbp\n"
	    "pop %rbp\npop %rbx\nmov 0x8(%rsp),%rax\nadd %rsi,%rax\nadd $0x18,%rsp\nret");
/* seven arguments: the seventh on the stack, found through the moved %rsp */
F(rl_seven, "sub $0x8,%rsp\npush %rbx\nmov 0x18(%rsp),%rax\nadd %rdi,%rax\npop %rbx\n"
	    "add $0x8,%rsp\nret");
/* a store through a pointer argument before the push: not relocated */
F(rl_store, "mov %rsi,(%rdi)\npush %rbx\npop %rbx\nmov %rsi,%rax\nret");
/* a loop jumps back onto the push: not relocated */
F(rl_jumpback, "mov %rdi,%rcx\n1: push %rbx\npop %rbx\ndec %rcx\njnz 1b\nmov %rsi,%rax\nret");

long rl_endbr(long a, long b);
long rl_movpush(long a, long b, long c);
long rl_stack(long a, long b);
long rl_seven(long a, long b, long c, long d, long e, long f, long g);
long rl_store(long *p, long v);
long rl_jumpback(long n, long v);

static int loop_for(double seconds)
{
	struct timespec t0, t;
	volatile long sink = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		for (int i = 0; i < 1000; i++)
			sink += rl_movpush(i, 2, 3);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (t.tv_sec - t0.tv_sec + (t.tv_nsec - t0.tv_nsec) / 1e9 < seconds);
	return 0;
}

int main(int argc, char **argv)
{
	int rounds = argc > 2 ? atoi(argv[2]) : 3;
	long sum = 0, cell = 0;
	char go[16];

	if (argc > 2 && !strcmp(argv[1], "loop"))
		return loop_for(atof(argv[2]));
	if (argc > 1 && !strcmp(argv[1], "wait") && !fgets(go, sizeof(go), stdin))
		return 1;
	for (long i = 1; i <= rounds; i++) {
		sum += rl_endbr(1000 + i, 2000 + i);
		sum += rl_movpush(3000 + i, 4000 + i, 5000 + i);
		sum += rl_stack(6000 + i, 7000 + i);
		sum += rl_seven(11, 12, 13, 14, 15, 16, 17000 + i);
		sum += rl_store(&cell, 8000 + i);
		sum += rl_jumpback(2, 9000 + i);
	}
	printf("done %d %ld\n", rounds, sum);
	return 0;
}
