/* Many uprobes of one program on one binary as a single uprobe_multi link
 * (kernel 6.6+), when the feature table has FEAT_UPROBE_MULTI.
 *
 * Why: every perf-event uprobe detaches on its own, waiting for a grace
 * period under a kernel-wide lock (~0.1 s each on this project's machine,
 * not parallelisable), so a tool with 30 probe sites needed 3.5 s to exit.
 * A multi link registers all sites at once and unregisters them with one
 * grace period. libbpf 1.1 predates uprobe_multi, so the link is created
 * with the raw BPF_LINK_CREATE layout (struct uprobe_multi_attr) and the
 * program must be loaded with expected_attach_type BPF_TRACE_UPROBE_MULTI
 * (uprobe_multi_prepare), which then keeps it from perf-event attachment:
 * choose one mechanism per program before load. */
#ifndef BPFSCOPE_UPROBE_MULTI_H
#define BPFSCOPE_UPROBE_MULTI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct bpf_program;

#define UPROBE_MULTI_ATTACH_TYPE 48 /* BPF_TRACE_UPROBE_MULTI */
#define UPROBE_MULTI_RETURN	 1u /* BPF_F_UPROBE_MULTI_RETURN */

/* The link_create part of union bpf_attr for uprobe_multi (uapi 6.6). */
struct uprobe_multi_attr {
	uint32_t prog_fd, target_fd, attach_type, flags;
	uint64_t path, offsets, ref_ctr_offsets, cookies;
	uint32_t cnt, umflags, pid;
};

/* Fills attr for n sites (file offsets) of path; cookies may be NULL. */
void uprobe_multi_attr_fill(struct uprobe_multi_attr *attr, int prog_fd, const char *path,
			    const uint64_t *offsets, const uint64_t *cookies, size_t n, pid_t pid,
			    bool retprobe);
/* Before load: makes prog a uprobe_multi program. */
int uprobe_multi_prepare(struct bpf_program *prog);
/* After load: one link for all sites; returns the link fd (close() to
 * detach) or -errno. pid <= 0: every process. */
int uprobe_multi_attach(const struct bpf_program *prog, const char *path, const uint64_t *offsets,
			const uint64_t *cookies, size_t n, pid_t pid, bool retprobe);
/* The same for a program fd (feature probes load programs by hand). */
int uprobe_multi_attach_fd(int prog_fd, const char *path, const uint64_t *offsets,
			   const uint64_t *cookies, size_t n, pid_t pid, bool retprobe);

#endif
