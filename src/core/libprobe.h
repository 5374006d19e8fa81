/* Event tools whose uprobes sit in one shared library chosen at run time
 * (gethostlatency: libc, sslsniff: libssl).
 *
 * --lib names the library, as a path or a name (core/libpath); with -p it is
 * the copy that process maps, reached through /proc/PID/root so processes in
 * containers work. The tool lists its probes as uprobe_specs on its opened
 * skeleton; libprobe_run() resolves the library (one error line when it is
 * not found), marks every program as attached by hand, and runs the evtool
 * with an attach hook that attaches the probes to that library, for the -p
 * process or for all. */
#ifndef BPFSCOPE_LIBPROBE_H
#define BPFSCOPE_LIBPROBE_H

#include "core/evtool.h"
#include "core/options.h"
#include "core/uprobe.h"

struct bpf_object_skeleton;

struct libprobe {
	const char *lib; /* --lib: path or name */
	const struct uprobe_spec *specs;
	int nspecs;
	const char *warning; /* optional: printed once the library is found */
};

/* Runs tool (its user and attach are libprobe's own) on skel. Returns the
 * exit code (1 after one error line). */
int libprobe_run(const struct libprobe *lp, const struct evtool *tool,
		 struct bpf_object_skeleton *skel, const struct common_opts *opts);

#endif
