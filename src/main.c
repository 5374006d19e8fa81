/* bpfscope: dispatch to a subcommand. Every command lives in its own file
 * under src/tools/ and registers itself (REGISTER_COMMAND in core/cmd.h). */
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/cmd.h"
#include "core/loader.h"
#include "core/log.h"

static void usage(FILE *out)
{
	int n;
	const struct command *const *all = commands_all(&n);

	fprintf(out, "Usage: bpfscope <command> [options]\n\n"
		     "eBPF observability for production Linux hosts: one binary, no compiler.\n\n"
		     "Commands:\n");
	for (int i = 0; i < n; i++)
		fprintf(out, "  %-14s %s\n", all[i]->spec->name, all[i]->spec->summary);
	fprintf(out, "\nRun 'bpfscope <command> --help' for the options of a command.\n");
}

/* CAP_BPF + CAP_PERFMON, or CAP_SYS_ADMIN on kernels before 5.8. */
static int check_privileges(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2] = {};
	unsigned long long eff;

	if (syscall(SYS_capget, &hdr, data))
		return 0; /* let the kernel say no later */
	eff = data[0].effective | ((unsigned long long)data[1].effective << 32);
	if (eff & (1ull << CAP_SYS_ADMIN))
		return 0;
	if ((eff & (1ull << 39)) && (eff & (1ull << 38)))
		return 0;
	log_error("needs root, or the capabilities CAP_BPF and CAP_PERFMON (try sudo)");
	return -1;
}

int main(int argc, char **argv)
{
	const struct command *cmd;
	struct common_opts opts = { 0 };
	int first;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	cmd = command_find(argv[1]);
	if (!cmd) {
		log_error("unknown command '%s' (see 'bpfscope --help')", argv[1]);
		return 2;
	}
	log_set_command(cmd->spec->name);
	loader_init();
	first = opts_parse(cmd->spec, argc - 1, argv + 1, &opts);
	if (first < 0)
		return 2;
	if (opts.help)
		return 0;
	if (cmd->needs_bpf && check_privileges())
		return 1;
	return cmd->run(&opts, argc - 1 - first, argv + 1 + first);
}
