/* A bpfscope subcommand: its declarative spec (options, help) and its entry
 * point. main.c holds the table; each command lives in its own file. */
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

extern const struct command cmd_features;
extern const struct command cmd_execsnoop;
extern const struct command cmd_opensnoop;
extern const struct command cmd_runqlat;

#endif
