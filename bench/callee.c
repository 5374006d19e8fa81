/* Per-call cost target for bench/run.sh: calls one noinline function in a
 * tight loop for SECONDS of wall time and prints
 * "WALL_NS_PER_CALL CPU_NS_PER_CALL CALLS": wall time from CLOCK_MONOTONIC,
 * CPU time from CLOCK_THREAD_CPUTIME_ID (user + system: the uprobe trap and
 * its BPF programs run in this thread and are charged to it, while time
 * spent waiting for a CPU held by other processes is not, which makes it
 * the steadier figure on a shared machine).
 *
 *   callee emul|step SECONDS
 *
 * Built with -O1 -fno-omit-frame-pointer -fcf-protection=none (no endbr64):
 * work_emul then starts with push %rbp, which the kernel's uprobe code
 * emulates; work_step is compiled without a frame pointer so it starts with
 * a mov to the red zone, which the kernel single-steps (bench/run.sh checks both with
 * `bpfscope list`). The loop reads the clock every 4096 calls only, so the
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

	if (argc != 3 || (strcmp(argv[1], "emul") && strcmp(argv[1], "step"))) {
		fprintf(stderr, "usage: callee emul|step SECONDS\n");
		return 2;
	}
	fn = strcmp(argv[1], "emul") == 0 ? work_emul : work_step;
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
