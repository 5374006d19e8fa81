/* bpfscope features: what this kernel offers and what bpfscope uses. */
#include "core/cmd.h"
#include "core/features.h"

static const struct cmd_spec spec = {
	.name = "features",
	.summary = "show which kernel BPF features work here and which bpfscope uses",
	.common = COMMON_OUTPUT,
	.max_args = 0,
};

static int run(const struct common_opts *opts, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	features_print(stdout, opts->format == OUT_JSON);
	return 0;
}

static const struct command cmd_features = { &spec, run, true };
REGISTER_COMMAND(cmd_features);
