/* Asks the running kernel what it does with the first instruction of each
 * k_* function below, without timing anything: a single-stepped uprobe
 * needs the per-process "[uprobes]" XOL page, an emulated one never maps it,
 * and a refused one fails to attach (ENOTSUPP).
 *
 * For each function: fork a child that waits, attach a uprobe (perf_event
 * uprobe PMU, no BPF) to the function in the child, let the child call it
 * once and say so, then look for "[uprobes]" in the child's maps. A
 * refused instruction is never executed (66 eb would jump to a 16-bit
 * address on AMD). Prints
 * "<function> emulated|single-step|refused" per line. Needs root. Functions
 * that should not be emulated are executed once by the child: the AVX ones
 * need a CPU with AVX2 and AVX-512 (this project's machine has both).
 * tests/integ/list.sh compares this with `bpfscope list`. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <linux/perf_event.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define K(name, body)                                                                              \
	__asm__(".text\n.globl " #name "\n.type " #name ",@function\n.p2align 4\n" #name           \
		":\n" body "\n.size " #name ", .-" #name "\n");                                    \
	void name(void)

K(k_push_rbp, "push %rbp\npop %rbp\nret");
K(k_push_r12, "push %r12\npop %r12\nret");
K(k_push_rexw, ".byte 0x48,0x55\npop %rbp\nret");
K(k_push_rex49, ".byte 0x49,0x55\npop %r13\nret");
K(k_nop, "nop\nret");
K(k_xchg_ax, ".byte 0x66,0x90\nret");
K(k_pause, ".byte 0xf3,0x90\nret");
K(k_nopl3, ".byte 0x0f,0x1f,0x00\nret");
K(k_nopl4, ".byte 0x0f,0x1f,0x40,0x00\nret");
K(k_nopl5, ".byte 0x0f,0x1f,0x44,0x00,0x00\nret");
K(k_nopw6, ".byte 0x66,0x0f,0x1f,0x44,0x00,0x00\nret");
K(k_nopl8, ".byte 0x0f,0x1f,0x84,0,0,0,0,0\nret");
K(k_nopl_rsp, ".byte 0x0f,0x1f,0x04,0x24\nret");
K(k_nopw_cs, ".byte 0x66,0x2e,0x0f,0x1f,0x84,0,0,0,0,0\nret");
K(k_mov_rax_rax, ".byte 0x48,0x89,0xc0\nret");
K(k_lea0, ".byte 0x48,0x8d,0x76,0x00\nret");
K(k_jmp8, "jmp 1f\n1: ret");
K(k_jmp16, ".byte 0x66,0xeb,0x00\nret");
K(k_call, "call 1f\n1: pop %rax\nret");
K(k_jne32, ".byte 0x0f,0x85,0,0,0,0\nret");
K(k_ret, "ret");
K(k_endbr64, "endbr64\nret");
K(k_mov_rsp_rbp, "mov %rsp,%rax\nret");
K(k_sub_rsp, "sub $8,%rsp\nadd $8,%rsp\nret");
K(k_xor, "xor %eax,%eax\nret");
K(k_mov_riprel, "mov 0(%rip),%rax\nret");
K(k_lock_inc, "lock incl (%rsp)\nret");
/* VEX: the kernel's decoder reports the opcode byte after the VEX prefix as
 * a one-byte opcode and checks it against the one-byte table */
K(k_vmovups, ".byte 0xc5,0xf8,0x10,0xc1\nret");			    /* vmovups %xmm1,%xmm0 */
K(k_vmovdqu, ".byte 0xc5,0xfe,0x6f,0xc1\nret");			    /* vmovdqu %ymm1,%ymm0 */
K(k_vpxor, ".byte 0xc5,0xf9,0xef,0xc0\nret");			    /* vpxor %xmm0,%xmm0,%xmm0 */
K(k_vzeroupper, ".byte 0xc5,0xf8,0x77\nret");			    /* vzeroupper */
K(k_vpbroadcastb, ".byte 0xc4,0xe2,0x7d,0x78,0xc0\nret");	    /* vpbroadcastb %xmm0,%ymm0 */
K(k_evex_vmovdqu64, ".byte 0x62,0xf1,0xfe,0x48,0x6f,0xc1\nret");    /* vmovdqu64 %zmm1,%zmm0 */
K(k_evex_vpbroadcastb, ".byte 0x62,0xf2,0x7d,0x48,0x7a,0xc0\nret"); /* vpbroadcastb %eax,%zmm0 */

static const struct {
	const char *name;
	void (*fn)(void);
} kinds[] = {
    {"k_push_rbp", k_push_rbp},
    {"k_push_r12", k_push_r12},
    {"k_push_rexw", k_push_rexw},
    {"k_push_rex49", k_push_rex49},
    {"k_nop", k_nop},
    {"k_xchg_ax", k_xchg_ax},
    {"k_pause", k_pause},
    {"k_nopl3", k_nopl3},
    {"k_nopl4", k_nopl4},
    {"k_nopl5", k_nopl5},
    {"k_nopw6", k_nopw6},
    {"k_nopl8", k_nopl8},
    {"k_nopl_rsp", k_nopl_rsp},
    {"k_nopw_cs", k_nopw_cs},
    {"k_mov_rax_rax", k_mov_rax_rax},
    {"k_lea0", k_lea0},
    {"k_jmp8", k_jmp8},
    {"k_jmp16", k_jmp16},
    {"k_call", k_call},
    {"k_jne32", k_jne32},
    {"k_ret", k_ret},
    {"k_endbr64", k_endbr64},
    {"k_mov_rsp_rbp", k_mov_rsp_rbp},
    {"k_sub_rsp", k_sub_rsp},
    {"k_xor", k_xor},
    {"k_mov_riprel", k_mov_riprel},
    {"k_lock_inc", k_lock_inc},
    {"k_vmovups", k_vmovups},
    {"k_vmovdqu", k_vmovdqu},
    {"k_vpxor", k_vpxor},
    {"k_vzeroupper", k_vzeroupper},
    {"k_vpbroadcastb", k_vpbroadcastb},
    {"k_evex_vmovdqu64", k_evex_vmovdqu64},
    {"k_evex_vpbroadcastb", k_evex_vpbroadcastb},
};

static long file_offset(const void *addr)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	long off = -1;

	while (f && fgets(line, sizeof(line), f)) {
		unsigned long s, e, o;

		if (sscanf(line, "%lx-%lx %*s %lx", &s, &e, &o) == 3 && (unsigned long)addr >= s &&
		    (unsigned long)addr < e) {
			off = (long)((unsigned long)addr - s + o);
			break;
		}
	}
	if (f)
		fclose(f);
	return off;
}

static int uprobe_type(void)
{
	FILE *f = fopen("/sys/bus/event_source/devices/uprobe/type", "r");
	int type = -1;

	if (!f || fscanf(f, "%d", &type) != 1)
		type = -1;
	if (f)
		fclose(f);
	return type;
}

static int has_xol_page(pid_t pid)
{
	char path[64], line[512];
	FILE *f;
	int found = 0;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		found |= strstr(line, "[uprobes]") != NULL;
	if (f)
		fclose(f);
	return found;
}

/* Child: wait for a byte, call the function once, report, wait to be
 * killed (so its maps stay readable). */
static void child(int in, int out, void (*fn)(void))
{
	char c;

	if (read(in, &c, 1) != 1)
		_exit(1);
	fn();
	(void)!write(out, "d", 1);
	pause();
	_exit(0);
}

static const char *probe_one(int type, const char *self, void (*fn)(void))
{
	int go[2], done[2], fd;
	pid_t pid;
	struct perf_event_attr attr = {.size = sizeof(attr), .type = (uint32_t)type};
	const char *verdict = "error";
	char c;

	if (pipe(go) || pipe(done))
		return "error";
	pid = fork();
	if (pid == 0)
		child(go[0], done[1], fn);
	attr.config1 = (uint64_t)(uintptr_t)self;
	attr.config2 = (uint64_t)file_offset((const void *)fn);
	fd = (int)syscall(SYS_perf_event_open, &attr, pid, -1, -1, 0);
	if (fd < 0 && errno == 524 /* ENOTSUPP */)
		verdict = "refused";
	if (fd >= 0 && write(go[1], "g", 1) == 1 && read(done[0], &c, 1) == 1)
		verdict = has_xol_page(pid) ? "single-step" : "emulated";
	if (fd >= 0)
		close(fd);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(go[0]);
	close(go[1]);
	close(done[0]);
	close(done[1]);
	return verdict;
}

int main(void)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	int type = uprobe_type();

	if (n <= 0 || type < 0) {
		fprintf(stderr, "uprobe_kinds: no uprobe PMU or /proc/self/exe\n");
		return 1;
	}
	self[n] = '\0';
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		printf("%s %s\n", kinds[i].name, probe_one(type, self, kinds[i].fn));
	return 0;
}
