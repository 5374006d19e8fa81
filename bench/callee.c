/* Per-call cost target for bench/run.sh: calls one noinline function in a
 * tight loop for SECONDS of wall time and prints
 * "WALL_NS_PER_CALL CPU_NS_PER_CALL CALLS": wall time from CLOCK_MONOTONIC,
 * CPU time from CLOCK_THREAD_CPUTIME_ID (user + system: the uprobe trap and
 * its BPF programs run in this thread and are charged to it, while time
 * spent waiting for a CPU held by other processes is not, which makes it
 * the steadier figure on a shared machine).
 *
 *   callee emul|step|reloc SECONDS
 *
 * Built with -O1 -fno-omit-frame-pointer -fcf-protection=none (no endbr64):
 * work_emul then starts with push %rbp, which the kernel's uprobe code
 * emulates; work_step is compiled without a frame pointer so it starts with
 * a mov to the red zone, which the kernel single-steps (bench/run.sh checks both with
 * `bpfscope list`). work_reloc (assembly) starts with two single-stepped
 * instructions that move arg0 to %rax before an emulated push %rbx: the
 * site entry-probe relocation moves (bench/run.sh part 1b). The loop reads the clock every 4096 calls only, so the
 * clock's cost is not part of the per-call figure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

__attribute__((noinline)) long work_emul(long a, long b)
{
	volatile long on_stack = a;

	return on_stack + b;
}

__attribute__((noinline, optimize("omit-frame-pointer"))) long work_step(long a, long b)
{
	volatile long on_stack = a;

	return on_stack + b;
}

/* mov %rdi,%rax; xor %edi,%edi; push %rbx (emulated): the same work */
__asm__(".text\n.globl work_reloc\n.type work_reloc,@function\n.p2align 4\nwork_reloc:\n"
	"mov %rdi,%rax\nxor %edi,%edi\npush %rbx\nmov %rsi,%rbx\nadd %rbx,%rax\npop %rbx\nret\n"
	".size work_reloc, .-work_reloc\n");
long work_reloc(long a, long b);

static double now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long (*fn)(long, long);
	volatile long sink = 0;
	double start, end, limit, cpu_start;
	long calls = 0;

	if (argc != 3 || (strcmp(argv[1], "emul") && strcmp(argv[1], "step") &&
			  strcmp(argv[1], "reloc"))) {
		fprintf(stderr, "usage: callee emul|step|reloc SECONDS\n");
		return 2;
	}
	fn = !strcmp(argv[1], "emul") ? work_emul : !strcmp(argv[1], "step") ? work_step : work_reloc;
	limit = atof(argv[2]) * 1e9;
	cpu_start = now_ns(CLOCK_THREAD_CPUTIME_ID);
	start = now_ns(CLOCK_MONOTONIC);
	do {
		for (int i = 0; i < 4096; i++)
			sink += fn(calls + i, 7);
		calls += 4096;
		end = now_ns(CLOCK_MONOTONIC);
	} while (end - start < limit);
	printf("%.1f %.1f %ld\n", (end - start) / calls,
	       (now_ns(CLOCK_THREAD_CPUTIME_ID) - cpu_start) / calls, calls);
	return 0;
}
