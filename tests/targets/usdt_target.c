/* Target with USDT probes and functions of known shape, for `bpfscope list`
 * and the USDT/uprobe tests.
 *
 * usdt_target [COUNT]: prints "ready <pid>", waits for a line on stdin (so a
 * tracer can attach first), then fires each probe COUNT times (default 3)
 * and prints "done".
 *
 * Probes (provider bpfscope_test):
 *   guarded(int i, const char *word)       behind a semaphore: a tracer that
 *                                          attaches increments it, so the
 *                                          arguments are only computed then
 *   plain(int -i, long i * 1000, "hello")  no semaphore
 * Functions:
 *   lt_emulated    starts with push %rbx       (emulated by the kernel)
 *   lt_singlestep  starts with sub $0x8,%rsp   (single-stepped)
 *   lt_compute     ordinary C
 *   Server::handle(int), Server::Connection::peer() const
 *                  C functions under Itanium-mangled names, standing in for
 *                  C++ methods so the demangled listing is testable in C. */
#define _SDT_HAS_SEMAPHORES 1
#include <stdio.h>
#include <stdlib.h>
#include <sys/sdt.h>
#include <unistd.h>

/* STAP_SDT_V2 semaphore: the kernel/libbpf increments it while attached. */
unsigned short bpfscope_test_guarded_semaphore __attribute__((unused))
__attribute__((section(".probes")));

__asm__(".text\n"
	".globl lt_emulated\n.type lt_emulated,@function\n.p2align 4\n"
	"lt_emulated:\n\tpush %rbx\n\tlea 1(%rdi),%eax\n\tpop %rbx\n\tret\n"
	".size lt_emulated, .-lt_emulated\n"
	".globl lt_singlestep\n.type lt_singlestep,@function\n.p2align 4\n"
	"lt_singlestep:\n\tsub $8,%rsp\n\tlea 2(%rdi),%eax\n\tadd $8,%rsp\n\tret\n"
	".size lt_singlestep, .-lt_singlestep\n");
int lt_emulated(int x);
int lt_singlestep(int x);

__attribute__((noinline)) int lt_compute(int x)
{
	return lt_emulated(x) + lt_singlestep(x);
}

__attribute__((noinline)) int server_handle(int x) __asm__("_ZN6Server6handleEi");
__attribute__((noinline)) int server_handle(int x)
{
	return x * 2;
}

__attribute__((noinline)) int connection_peer(void *self) __asm__("_ZNK6Server10Connection4peerEv");
__attribute__((noinline)) int connection_peer(void *self)
{
	return self != NULL;
}

static void fire_guarded(int i)
{
	if (bpfscope_test_guarded_semaphore)
		DTRACE_PROBE2(bpfscope_test, guarded, i, "guarded-word");
}

/* The plain probe must record semaphore 0: switch sdt.h's semaphore
 * reference off for the rest of this file. */
#undef _SDT_SEMAPHORE
#define _SDT_SEMAPHORE(p, n) _SDT_ASM_1(_SDT_ASM_ADDR 0)
#undef _SDT_NOTE_SEMAPHORE_USE
#define _SDT_NOTE_SEMAPHORE_USE(provider, name)

static void fire_plain(int i)
{
	DTRACE_PROBE3(bpfscope_test, plain, -i, (long)i * 1000, "hello");
}

int main(int argc, char **argv)
{
	int count = argc > 1 ? atoi(argv[1]) : 3, sum = 0;
	char line[64];

	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	for (int i = 1; i <= count; i++) {
		fire_guarded(i);
		fire_plain(i);
		sum += lt_compute(i) + server_handle(i) + connection_peer(&sum);
	}
	printf("done %d\n", sum);
	return 0;
}
