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

static __always_inline void fdpath_of_file(struct file *file, struct fdpath *p)
{
	struct dentry *dentry = BPF_CORE_READ(file, f_path.dentry);
	struct vfsmount *vfsmnt = BPF_CORE_READ(file, f_path.mnt);
	struct mount *mnt = container_of(vfsmnt, struct mount, mnt);
	__u32 used = 0;

	p->used = 0;
	p->truncated = 1;
	p->mode = BPF_CORE_READ(file, f_inode, i_mode);
	for (int i = 0; i < FDPATH_DEPTH; i++) {
		struct dentry *parent = BPF_CORE_READ(dentry, d_parent);
		const unsigned char *name;
		long n;

		if (dentry == BPF_CORE_READ(vfsmnt, mnt_root) || dentry == parent) {
			struct mount *up = BPF_CORE_READ(mnt, mnt_parent);

			if (up == mnt) {
				p->truncated = 0;
				break;
			}
			dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
			mnt = up;
			vfsmnt = &up->mnt;
			continue;
		}
		if (used > FDPATH_MAX - FDPATH_NAME_MAX)
			break;
		name = BPF_CORE_READ(dentry, d_name.name);
		n = bpf_probe_read_kernel_str(p->comps + (used & (FDPATH_MAX - 1)), FDPATH_NAME_MAX,
					      name);
		if (n <= 0)
			break;
		used += n;
		dentry = parent;
	}
	p->used = used;
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
