/* User side of keyed histograms (bpf/keyhist.h): sum each key's per-CPU
 * copies, visit keys in ascending order, optionally clear the map for the
 * next interval, and print one histogram as text or a JSON line. */
#ifndef BPFSCOPE_CORE_KEYHIST_H
#define BPFSCOPE_CORE_KEYHIST_H

#include <stdbool.h>
#include <stdint.h>

#include "core/hist.h"
#include "core/options.h"
#include "core/skelcmd.h"

struct json_object;

typedef void (*keyhist_fn)(void *ctx, uint32_t key, const char *label, const uint64_t *slots);

/* Calls fn once per key with slots summed over CPUs (HIST_SLOTS entries) and
 * the first non-empty label. Clears the map afterwards when clear is set.
 * Returns the number of keys, or a negative errno. */
int keyhist_collect(int map_fd, bool clear, keyhist_fn fn, void *ctx);

/* Text: an optional heading line, then the histogram. JSON: keys (may be
 * NULL; ownership taken) plus "hist" as one line. With --serve the
 * histogram is also published (drained, since printing clears the map);
 * while keyhist_run's publisher reads the map it is only published (live). */
void keyhist_emit(enum out_format format, const char *heading, struct json_object *keys,
		  const struct hist_view *view);

/* The interval time stamp line of text output ("\nHH:MM:SS.us"). */
void keyhist_time_line(enum out_format format);

/* The whole life of a histogram tool: load and attach the skeleton, run
 * attach_more (optional, e.g. perf events; before the "tracing" line), then every -i
 * seconds and at exit print the time line and each key of the keyed_hist
 * map named map_name through print_one, clearing it. */
struct keyhist_tool {
	struct bpf_object_skeleton *skel;
	const char *map_name;
	keyhist_fn print_one;
	void *ctx;
	int (*attach_more)(void *ctx); /* < 0 after an error line */
	/* --serve: histograms published as bpfscope_<name>_<unit> (seconds for
	 * time units), labelled by the keys print_one passes to keyhist_emit;
	 * NULL: not published */
	const char *name;
};

/* Returns the command's exit code. */
int keyhist_run(const struct keyhist_tool *tool, const struct common_opts *opts);

/* Defines and registers the command of a histogram tool built from
 * skeleton <tool>_bpf (core/skelcmd.h) with a "hists" keyed_hist map: let
 * setup(skel) check the options and fill .rodata (non-zero: bad options,
 * after one error line, exit code 2), keyhist_run() with print_one, whose
 * ctx is the common options. */
#define KEYHIST_COMMAND(tool, spec, print_one, setup)                                              \
	static int tool##_keyhist(struct tool##_bpf *skel, const struct common_opts *opts)         \
	{                                                                                          \
		struct keyhist_tool kt = {skel->skeleton, "hists", print_one, (void *)opts, NULL,   \
					  #tool};                                                  \
                                                                                                   \
		return setup(skel) ? 2 : keyhist_run(&kt, opts);                                   \
	}                                                                                          \
	SKEL_COMMAND(tool, spec, tool##_keyhist)

#endif
