/* Resolving an fd of the current task to a path without kprobes or
 * bpf_d_path (which needs fentry/LSM hooks): task->files->fdt->fd[fd], then
 * walk f_path.dentry up through d_parent, crossing mounts through struct
 * mount (mnt_mountpoint / mnt_parent) like d_path() does, all with CO-RE
 * reads. Components are written leaf first; user space reverses them. The
 * walk is bounded (FDPATH_DEPTH) and flags truncation. Called at syscall
 * exit, so the fd the syscall used is still installed. */
#ifndef BPFSCOPE_FDPATH_BPF_H
#define BPFSCOPE_FDPATH_BPF_H

#include "bpf/fdpath.h"

static __always_inline struct file *fdpath_current_file(__u32 fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds, *file = NULL;

	if (!fdt || fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]))
		return NULL;
	return file;
}

struct fdpath_walk {
	struct dentry *dentry;
	struct vfsmount *vfsmnt;
	struct mount *mnt;
	__u32 used;
	__u32 truncated;
};

/* The walk writes into this per-CPU scratch copy, then copies out. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fdpath);
} fdpath_scratch SEC(".maps");

/* One step of the walk: cross a mount at its root, or copy one name and go
 * up. Returns 1 to stop. The walk is an unrolled loop, not bpf_loop (5.17+;
 * a program that merely references a bpf_loop callback does not load on
 * 5.10). To keep the verifier's work linear in the depth, the state carried
 * between steps holds no narrowing ranges: the offset is masked to a fixed
 * range every step, so the states after either branch of a step look the
 * same to the verifier and one of them is pruned. */
static __always_inline int fdpath_step(struct fdpath_walk *w, struct fdpath *p)
{
	/* local copies: CO-RE reads must start from kernel types, not w */
	struct dentry *dentry = w->dentry, *parent = BPF_CORE_READ(dentry, d_parent);
	struct vfsmount *vfsmnt = w->vfsmnt;
	struct mount *mnt = w->mnt, *up;
	__u32 used = w->used & (2 * FDPATH_MAX - 1);
	long n;

	if (dentry == BPF_CORE_READ(vfsmnt, mnt_root) || dentry == parent) {
		up = BPF_CORE_READ(mnt, mnt_parent);
		if (up == mnt) {
			w->truncated = 0;
			return 1;
		}
		w->dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
		w->mnt = up;
		w->vfsmnt = &up->mnt;
		return 0;
	}
	if (used > FDPATH_MAX - FDPATH_NAME_MAX)
		return 1;
	/* masked again at the use, behind a barrier so the compiler cannot drop
	 * the mask: 6.1's verifier did not carry the check above to the spilled
	 * copy the compiler reloaded here */
	barrier_var(used);
	used &= FDPATH_MAX - 1;
	n = bpf_probe_read_kernel_str(p->comps + used, FDPATH_NAME_MAX,
				      BPF_CORE_READ(dentry, d_name.name));
	if (n <= 0)
		return 1;
	w->used = (used + n) & (2 * FDPATH_MAX - 1); /* at most FDPATH_MAX here */
	w->dentry = parent;
	return 0;
}

static __always_inline void fdpath_of_file(struct file *file, struct fdpath *p)
{
	struct fdpath_walk w = {};
	__u32 zero = 0;
	struct fdpath *scratch = bpf_map_lookup_elem(&fdpath_scratch, &zero);
	struct vfsmount *vfsmnt = BPF_CORE_READ(file, f_path.mnt);

	p->used = 0;
	p->truncated = 0;
	p->mode = BPF_CORE_READ(file, f_inode, i_mode);
	if (!scratch) {
		stat_inc(STAT_ERRORS);
		return;
	}
	w.dentry = BPF_CORE_READ(file, f_path.dentry);
	w.vfsmnt = vfsmnt;
	w.mnt = container_of(vfsmnt, struct mount, mnt);
	w.truncated = 1;
#pragma unroll
	for (int i = 0; i < FDPATH_DEPTH; i++)
		if (fdpath_step(&w, scratch))
			break;
	if (bpf_probe_read_kernel(p->comps, sizeof(p->comps), scratch->comps)) {
		stat_inc(STAT_ERRORS);
		return;
	}
	p->used = w.used;
	p->truncated = w.truncated;
}

/* Fills p for fd of the current task; mode 0 when there is no such file. */
static __always_inline void fdpath_of_fd(__u32 fd, struct fdpath *p)
{
	struct file *file = fdpath_current_file(fd);

	if (file) {
		fdpath_of_file(file, p);
		return;
	}
	p->used = 0;
	p->truncated = 0;
	p->mode = 0;
}

#endif
