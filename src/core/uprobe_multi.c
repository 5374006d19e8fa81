/* uprobe_multi links through the raw bpf(2) call (see uprobe_multi.h). */
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "core/uprobe_multi.h"

void uprobe_multi_attr_fill(struct uprobe_multi_attr *attr, int prog_fd, const char *path,
			    const uint64_t *offsets, const uint64_t *cookies, size_t n, pid_t pid,
			    bool retprobe)
{
	memset(attr, 0, sizeof(*attr));
	attr->prog_fd = prog_fd;
	attr->attach_type = UPROBE_MULTI_ATTACH_TYPE;
	attr->path = (uint64_t)(unsigned long)path;
	attr->offsets = (uint64_t)(unsigned long)offsets;
	attr->cookies = (uint64_t)(unsigned long)cookies;
	attr->cnt = n;
	attr->umflags = retprobe ? UPROBE_MULTI_RETURN : 0;
	attr->pid = pid > 0 ? (uint32_t)pid : 0;
}

int uprobe_multi_prepare(struct bpf_program *prog)
{
	return bpf_program__set_expected_attach_type(prog, UPROBE_MULTI_ATTACH_TYPE);
}

int uprobe_multi_attach(const struct bpf_program *prog, const char *path, const uint64_t *offsets,
			const uint64_t *cookies, size_t n, pid_t pid, bool retprobe)
{
	return uprobe_multi_attach_fd(bpf_program__fd(prog), path, offsets, cookies, n, pid,
				      retprobe);
}

int uprobe_multi_attach_fd(int prog_fd, const char *path, const uint64_t *offsets,
			   const uint64_t *cookies, size_t n, pid_t pid, bool retprobe)
{
	/* the kernel reads sizeof(union bpf_attr) at most and wants the tail zero */
	union {
		struct uprobe_multi_attr a;
		char pad[160];
	} attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	uprobe_multi_attr_fill(&attr.a, prog_fd, path, offsets, cookies, n, pid, retprobe);
	fd = syscall(__NR_bpf, BPF_LINK_CREATE, &attr, sizeof(attr));
	return fd < 0 ? -errno : fd;
}
