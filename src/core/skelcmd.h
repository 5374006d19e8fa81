/* The command of a tool built around one BPF skeleton <tool>_bpf.
 *
 * Every such tool opens its skeleton (with --btf FILE when given, for CO-RE
 * on kernels without /sys/kernel/btf/vmlinux), prints one error line when
 * that fails, runs, and destroys the skeleton. SKEL_COMMAND writes that
 * sequence and the registration once; the tool supplies only
 *
 *   static int body(struct <tool>_bpf *skel, const struct common_opts *opts)
 *
 * which sets .rodata, runs the session and returns the exit code. Event tools
 * use EVTOOL_COMMAND (core/evtool.h) and histogram tools KEYHIST_COMMAND
 * (core/keyhist.h), both built on this one. */
#ifndef BPFSCOPE_SKELCMD_H
#define BPFSCOPE_SKELCMD_H

#include <bpf/libbpf.h>

#include "core/cmd.h"
#include "core/log.h"
#include "core/options.h"

#define SKEL_COMMAND(tool, spec, body)                                                             \
	static int tool##_run(const struct common_opts *opts, int argc, char **argv)               \
	{                                                                                          \
		struct bpf_object_open_opts open_opts = {.sz = sizeof(open_opts),                  \
							 .btf_custom_path = opts->btf};            \
		struct tool##_bpf *skel = tool##_bpf__open_opts(&open_opts);                       \
		int rc;                                                                            \
                                                                                                   \
		(void)argc;                                                                        \
		(void)argv;                                                                        \
		if (!skel) {                                                                       \
			log_error("cannot open BPF object");                                       \
			return 1;                                                                  \
		}                                                                                  \
		rc = body(skel, opts);                                                             \
		tool##_bpf__destroy(skel);                                                         \
		return rc;                                                                         \
	}                                                                                          \
	static const struct command cmd_##tool = {&(spec), tool##_run, true};                      \
	REGISTER_COMMAND(cmd_##tool)

#endif
