/* filetop: bytes and calls per (process, file) summed in the kernel at
 * read/write syscall exit; the path is resolved once, when the pair is
 * first seen. User space reads, sorts, prints and clears each interval. */
#include "bpf/common.bpf.h"
#include "bpf/fdpath.bpf.h"
#include "bpf/filetop.h"
#include "bpf/rwsyscalls.bpf.h"

#define S_IFMT 00170000
#define S_IFREG 0100000

const volatile bool all_files = false;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FILETOP_MAX_FILES);
	__type(key, struct filetop_key);
	__type(value, struct filetop_val);
} files SEC(".maps");

/* Scratch for a new entry (too big for the stack). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct filetop_val);
} new_val SEC(".maps");

static __always_inline struct filetop_val *val_of(struct filetop_key *key, struct file *file)
{
	struct filetop_val *v = bpf_map_lookup_elem(&files, key);
	__u32 zero = 0;

	if (v)
		return v;
	v = bpf_map_lookup_elem(&new_val, &zero);
	if (!v)
		return NULL;
	__builtin_memset(v, 0, sizeof(v->reads) * 4);
	v->tid = (__u32)bpf_get_current_pid_tgid();
	bpf_get_current_comm(&v->comm, sizeof(v->comm));
	fdpath_of_file(file, &v->path);
	if (bpf_map_update_elem(&files, key, v, BPF_NOEXIST) && !bpf_map_lookup_elem(&files, key))
		stat_inc(STAT_ERRORS); /* map full */
	return bpf_map_lookup_elem(&files, key);
}

static __always_inline void on_rw_exit(const struct rw_args *a, long ret)
{
	struct filetop_key key = {};
	struct filetop_val *v;
	struct file *file;

	if (ret < 0)
		return;
	file = fdpath_current_file(a->fd);
	if (!file)
		return;
	if (!all_files && (BPF_CORE_READ(file, f_inode, i_mode) & S_IFMT) != S_IFREG)
		return;
	key.ino = BPF_CORE_READ(file, f_inode, i_ino);
	key.dev = BPF_CORE_READ(file, f_inode, i_sb, s_dev);
	key.pid = bpf_get_current_pid_tgid() >> 32;
	v = val_of(&key, file);
	if (!v)
		return;
	if (a->is_write) {
		__sync_fetch_and_add(&v->writes, 1);
		__sync_fetch_and_add(&v->wbytes, ret);
	} else {
		__sync_fetch_and_add(&v->reads, 1);
		__sync_fetch_and_add(&v->rbytes, ret);
	}
}
