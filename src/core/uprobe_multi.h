/* uprobe_multi links (Linux 6.6+) through the raw bpf(2) syscall: libbpf
 * 1.1.2 predates them. One link attaches one program to many offsets of one
 * binary, each with its own cookie (bpf_get_attach_cookie), in a single
 * system call; closing the link's fd detaches all of them at once, which is
 * what makes probing a thousand functions affordable (per-function uprobes
 * cost a perf event each to attach and ~0.1 s each to detach here).
 *
 * The program must be loaded with expected attach type
 * UPROBE_MULTI_ATTACH_TYPE (bpf_program__set_expected_attach_type before
 * load). Whether the kernel has it: feature_has(FEAT_UPROBE_MULTI). */
#ifndef BPFSCOPE_UPROBE_MULTI_H
#define BPFSCOPE_UPROBE_MULTI_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define UPROBE_MULTI_ATTACH_TYPE 48 /* BPF_TRACE_UPROBE_MULTI */
#define UPROBE_MULTI_RETURN	 1  /* BPF_F_UPROBE_MULTI_RETURN */

/* The uprobe_multi part of union bpf_attr's link_create, absent from older
 * uapi headers. */
struct link_create_uprobe_multi {
	__u32 prog_fd, target_fd, attach_type, flags;
	__u64 path, offsets, ref_ctr_offsets, cookies;
	__u32 cnt, umflags, pid;
};

/* Attaches prog_fd at n file offsets of path (cookies may be NULL); pid 0
 * or -1: every process. Returns the link fd, or -errno. */
int uprobe_multi_attach(int prog_fd, const char *path, const uint64_t *offsets,
			const uint64_t *cookies, size_t n, pid_t pid, bool retprobe);

#endif
