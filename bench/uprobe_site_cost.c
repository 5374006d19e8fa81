/* Cost of one uprobe hit by the class of the probed instruction.
 *
 *   gcc -O1 -o /tmp/uprobe_site_cost bench/uprobe_site_cost.c && sudo /tmp/uprobe_site_cost
 *
 * Each function below starts with one instruction of interest. The program
 * times 100,000 calls without a probe, attaches a uprobe to the function
 * through the perf_event uprobe PMU (no BPF program: this is the bare trap
 * cost), times again, and prints the difference per hit. "attach failed:
 * Unknown error 524" is ENOTSUPP: the kernel refuses to probe that
 * instruction. docs/list.md has the numbers of the project machine; the
 * emulated/single-step split is what src/core/uprobe_site.c predicts. */
#define _GNU_SOURCE
#include <linux/perf_event.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define FN(name, body) __asm__(".text\n.globl " #name "\n.type " #name ",@function\n.p2align 4\n" #name ":\n" body "\n.size " #name ", .-" #name "\n")
FN(f_push_rbp, "push %rbp\npop %rbp\nret");
FN(f_push_r12, "push %r12\npop %r12\nret");
FN(f_rexw_push, ".byte 0x48,0x55\npop %rbp\nret");
FN(f_sub_rsp, "sub $8,%rsp\nadd $8,%rsp\nret");
FN(f_mov_rsp_rbp, "mov %rsp,%rax\nret");
FN(f_endbr, "endbr64\nret");
FN(f_nop, "nop\nret");
FN(f_xchg_ax, ".byte 0x66,0x90\nret");
FN(f_nopl4, ".byte 0x0f,0x1f,0x40,0x00\nret");
FN(f_nop5, ".byte 0x0f,0x1f,0x44,0x00,0x00\nret");
FN(f_mov_rax_rax, ".byte 0x48,0x89,0xc0\nret");
FN(f_lea0, ".byte 0x48,0x8d,0x76,0x00\nret");
FN(f_jmp0, ".byte 0xeb,0x00\nret");
FN(f_jmp, "jmp 1f\n1: ret");
FN(f_call, "call 1f\n1: pop %rax\nret");
FN(f_ret, "ret");
FN(f_xor, "xor %eax,%eax\nret");
FN(f_je, "test %eax,%eax\nret");
FN(f_jcc, "je 1f\n1: ret");
FN(f_pause, ".byte 0xf3,0x90\nret");
FN(f_nop3, ".byte 0x0f,0x1f,0x00\nret");
FN(f_nop6, ".byte 0x66,0x0f,0x1f,0x44,0x00,0x00\nret");
FN(f_nop7, ".byte 0x0f,0x1f,0x80,0,0,0,0\nret");
FN(f_nop8, ".byte 0x0f,0x1f,0x84,0,0,0,0,0\nret");
FN(f_nopsp, ".byte 0x0f,0x1f,0x04,0x24\nret");
FN(f_nopcs, ".byte 0x66,0x2e,0x0f,0x1f,0x84,0,0,0,0,0\nret");
FN(f_jmp66, ".byte 0x66,0xeb,0x00\nret");
FN(f_bndjmp, ".byte 0xf2,0xeb,0x00\nret");
FN(f_rex90, ".byte 0x48,0x90\nret");
FN(f_push_rex49, ".byte 0x49,0x55\npop %r13\nret");
void f_push_rbp(void), f_push_r12(void), f_rexw_push(void), f_sub_rsp(void), f_mov_rsp_rbp(void),
	f_endbr(void), f_nop(void), f_xchg_ax(void), f_nopl4(void), f_nop5(void), f_mov_rax_rax(void),
	f_lea0(void), f_jmp0(void), f_jmp(void), f_call(void), f_ret(void), f_xor(void), f_je(void), f_jcc(void), f_pause(void), f_nop3(void), f_nop6(void), f_nop7(void), f_nop8(void), f_nopsp(void), f_nopcs(void), f_jmp66(void), f_bndjmp(void), f_rex90(void), f_push_rex49(void);

static uint64_t now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1000000000ull + t.tv_nsec; }

static long file_offset(void *addr, char *path, size_t len)
{
	FILE *f = fopen("/proc/self/maps", "r"); char line[512];
	while (fgets(line, sizeof line, f)) {
		unsigned long s, e, off; char p[400] = "";
		if (sscanf(line, "%lx-%lx %*s %lx %*s %*s %399s", &s, &e, &off, p) >= 3 && (unsigned long)addr >= s && (unsigned long)addr < e) {
			snprintf(path, len, "%s", p); fclose(f); return (long)((unsigned long)addr - s + off);
		}
	}
	fclose(f); return -1;
}

static double measure(void (*fn)(void), int n)
{
	uint64_t t = now();
	for (int i = 0; i < n; i++) fn();
	return (double)(now() - t) / n;
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	struct { const char *name; void (*fn)(void); } fns[] = {
		{"push %rbp", f_push_rbp}, {"push %r12", f_push_r12}, {"rex.w push %rbp (48 55)", f_rexw_push},
		{"sub $8,%rsp", f_sub_rsp}, {"mov %rsp,%rax", f_mov_rsp_rbp}, {"endbr64", f_endbr}, {"nop", f_nop},
		{"xchg %ax,%ax (66 90)", f_xchg_ax}, {"nopl 0(%rax) (0f 1f 40 00)", f_nopl4}, {"nop5 (0f 1f 44 00 00)", f_nop5},
		{"mov %rax,%rax (48 89 c0)", f_mov_rax_rax}, {"lea 0(%rsi),%rsi (48 8d 76 00)", f_lea0},
		{"jmp +0 (eb 00)", f_jmp0}, {"jmp rel8", f_jmp}, {"call rel32", f_call}, {"ret", f_ret}, {"xor %eax,%eax", f_xor},
		{"test %eax,%eax", f_je}, {"je rel8", f_jcc}, {"pause (f3 90)", f_pause}, {"nop3", f_nop3}, {"nop6 (66 0f 1f 44 00 00)", f_nop6}, {"nop7", f_nop7}, {"nop8", f_nop8},
		{"nopl (%rsp) (0f 1f 04 24)", f_nopsp}, {"cs nopw (66 2e 0f 1f 84 ..)", f_nopcs}, {"jmp16 (66 eb 00)", f_jmp66}, {"bnd jmp (f2 eb 00)", f_bndjmp},
		{"rex.w nop (48 90)", f_rex90}, {"push %r13 rex 49 (49 55)", f_push_rex49},
	};
	FILE *tf = fopen("/sys/bus/event_source/devices/uprobe/type", "r"); int type; fscanf(tf, "%d", &type); fclose(tf);
	int n = 100000;
	for (size_t i = 0; i < sizeof(fns)/sizeof(fns[0]); i++) {
		char path[400]; long off = file_offset((void *)fns[i].fn, path, sizeof path);
		struct perf_event_attr a; memset(&a, 0, sizeof a);
		a.size = sizeof a; a.type = type; a.config1 = (uint64_t)(uintptr_t)path; a.config2 = off;
		int probe_only = strstr(fns[i].name, "jmp16") != NULL;
		double base = probe_only ? 0 : measure(fns[i].fn, n);
		int fd = syscall(SYS_perf_event_open, &a, getpid(), -1, -1, 0);
		if (fd < 0) { printf("%-34s attach failed: %m\n", fns[i].name); continue; }
		if (probe_only) { printf("%-34s attached\n", fns[i].name); close(fd); continue; }
		ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
		measure(fns[i].fn, 1000);
		double with = measure(fns[i].fn, n);
		uint64_t cnt = 0; read(fd, &cnt, sizeof cnt);
		close(fd);
		printf("%-34s %7.0f ns per hit (hits %llu)\n", fns[i].name, with - base, (unsigned long long)cnt);
	}
}
