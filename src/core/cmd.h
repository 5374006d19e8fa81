/* A bpfscope subcommand: its declarative spec (options, help) and its entry
 * point. Each command lives in its own file and registers itself with
 * REGISTER_COMMAND, which puts a pointer into the "bpfscope_cmds" section;
 * main.c walks that section, so adding a command touches no shared file. */
#ifndef BPFSCOPE_CMD_H
#define BPFSCOPE_CMD_H

#include <stdbool.h>

#include "core/options.h"

struct command {
	const struct cmd_spec *spec;
	/* argv[0..argc) are the positional arguments; returns the exit code. */
	int (*run)(const struct common_opts *opts, int argc, char **argv);
	bool needs_bpf; /* checked for privileges before run */
};

#define REGISTER_COMMAND(var)                                                                      \
	static const struct command *const var##_registration                                      \
		__attribute__((used, section("bpfscope_cmds"))) = &(var)

/* The registered commands, sorted by name; *count receives how many. */
const struct command *const *commands_all(int *count);
const struct command *command_find(const char *name);

#endif
