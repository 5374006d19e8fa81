/* bare_syscalls: attaches the empty programs of bare_syscalls.bpf.c, prints
 * "attached" on stderr and waits for SIGINT/SIGTERM. The baseline
 * bench/net-syscall.sh compares `bpfscope net` against. */
#include <bpf/libbpf.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "bare_syscalls.skel.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(void)
{
	struct bare_syscalls_bpf *skel;

	libbpf_set_print(NULL);
	skel = bare_syscalls_bpf__open_and_load();
	if (!skel || bare_syscalls_bpf__attach(skel)) {
		fprintf(stderr, "bare_syscalls: cannot load or attach the BPF object\n");
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	fprintf(stderr, "attached\n");
	while (!stop)
		pause();
	bare_syscalls_bpf__destroy(skel);
	return 0;
}
