/* bpfscope flamegraph: folded stacks (from --folded, flamegraph.pl's
 * stackcollapse scripts, or any "frame;frame count" lines) to an interactive
 * SVG on stdout. No BPF: a converter, like flamegraph.pl. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cmd.h"
#include "core/flamegraph.h"
#include "core/log.h"

static const char *title = "Flame Graph", *unit = "samples";
static int width = 1200;

static const struct opt_def options[] = {
    {"title", 't', OPT_STRING, &title, "TEXT", "title above the graph"},
    {"unit", 'u', OPT_STRING, &unit, "UNIT", "what the counts count (default samples)"},
    {"width", 'w', OPT_INT, &width, "PX", "image width (default 1200)", 200, 100000},
    {0},
};

static const struct cmd_spec spec = {
    .name = "flamegraph",
    .summary = "folded stacks to an interactive SVG flame graph",
    .args = "[FILE]",
    .details = "Reads 'frame;frame;... count' lines from FILE or stdin and writes the SVG to\n"
	       "stdout. Empty lines are skipped; a malformed line is an error.",
    .opts = options,
    .common = 0,
    .max_args = 1,
};

static int read_folded(struct flame *f, FILE *in, const char *name)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int lineno = 0, err = 0;

	while (!err && (len = getline(&line, &cap, in)) >= 0) {
		lineno++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = 0;
		if (!len)
			continue;
		err = flame__add_line(f, line);
		if (err == -EINVAL)
			log_error("%s:%d: not a folded stack ('frame;frame count')", name, lineno);
	}
	free(line);
	return err;
}

static int run(const struct common_opts *opts, int argc, char **argv)
{
	struct flame_svg_opts svg = {title, unit, width};
	const char *name = argc ? argv[0] : "<stdin>";
	FILE *in = argc ? fopen(argv[0], "re") : stdin;
	struct flame *f;
	int err;

	(void)opts;
	if (!in) {
		log_error("cannot read %s: %s", name, strerror(errno));
		return 1;
	}
	f = flame__new();
	err = f ? read_folded(f, in, name) : -ENOMEM;
	if (!err && !flame__total(f)) {
		log_error("%s: no samples", name);
		err = -ENODATA;
	}
	if (!err)
		err = flame__write_svg(f, stdout, &svg);
	flame__free(f);
	if (in != stdin)
		fclose(in);
	return err ? 1 : 0;
}

static const struct command cmd_flamegraph = {&spec, run, false};
REGISTER_COMMAND(cmd_flamegraph);
