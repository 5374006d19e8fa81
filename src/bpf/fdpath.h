/* A file's path as BPF reads it from the dentry tree: components stored
 * leaf first, each NUL-terminated, joined by user space (core/fdpath.c). */
#ifndef BPFSCOPE_FDPATH_H
#define BPFSCOPE_FDPATH_H

#include "bpf/common.h"

#define FDPATH_MAX	512 /* components area, a power of two */
#define FDPATH_NAME_MAX 128 /* longest component read */
#define FDPATH_DEPTH	20  /* dentries and mount crossings walked */
#define FDPATH_BUF	(FDPATH_MAX + FDPATH_NAME_MAX)

struct fdpath {
	__u32 used;	 /* bytes of comps in use */
	__u16 truncated; /* walk stopped before the root */
	__u16 mode;	 /* inode mode (S_IFREG, S_IFIFO, ...), 0 when no file */
	char comps[FDPATH_BUF];
};

#endif
