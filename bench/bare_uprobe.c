/* bare_uprobe [-e] BINARY FUNC...: attaches the empty programs of
 * bare_uprobe.bpf.c as uprobe + uretprobe (-e: uprobe only) to each FUNC of
 * BINARY in every process, prints "attached" on stderr and waits for
 * SIGINT/SIGTERM. The baselines bench/run.sh compares the tracers against. */
#include <string.h>
#include <bpf/libbpf.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "bare_uprobe.skel.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int attach(struct bpf_program *prog, const char *binary, const char *func, int ret)
{
	LIBBPF_OPTS(bpf_uprobe_opts, opts, .func_name = func, .retprobe = ret);

	/* the link is released with the process: nothing to keep */
	if (!bpf_program__attach_uprobe_opts(prog, -1, binary, 0, &opts)) {
		fprintf(stderr, "bare_uprobe: cannot attach to %s:%s\n", binary, func);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct bare_uprobe_bpf *skel;
	int entry_only = argc > 1 && strcmp(argv[1], "-e") == 0;

	argc -= entry_only;
	argv += entry_only;
	if (argc < 3) {
		fprintf(stderr, "usage: bare_uprobe [-e] BINARY FUNC...\n");
		return 2;
	}
	libbpf_set_print(NULL);
	skel = bare_uprobe_bpf__open_and_load();
	if (!skel) {
		fprintf(stderr, "bare_uprobe: cannot load the BPF object\n");
		return 1;
	}
	for (int i = 2; i < argc; i++)
		if (attach(skel->progs.bare_entry, argv[1], argv[i], 0) ||
		    (!entry_only && attach(skel->progs.bare_return, argv[1], argv[i], 1)))
			return 1;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	fprintf(stderr, "attached\n");
	while (!stop)
		pause();
	return 0;
}
