/* Block request facts shared by biolatency, biosnoop, bitesize (BPF and
 * user space). Request flags are normalised to fixed bits here because the
 * kernel's REQ_* bit numbers change between versions. */
#ifndef BPFSCOPE_BLK_H
#define BPFSCOPE_BLK_H

#include "bpf/common.h"

#define BLK_DISK_NAME_LEN 32
#define BLK_OP_MASK	  0xff /* REQ_OP_READ 0, WRITE 1, FLUSH 2, DISCARD 3, ... */
#define BLK_F_SYNC	  (1u << 8)
#define BLK_F_META	  (1u << 9)
#define BLK_F_FUA	  (1u << 10)
#define BLK_F_PREFLUSH	  (1u << 11)
#define BLK_F_RAHEAD	  (1u << 12)

/* The kernel's device number encoding (MKDEV): major << 20 | minor. */
#define BLK_DEV(major, minor) (((__u32)(major) << 20) | (__u32)(minor))
#define BLK_MAJOR(dev)	      ((dev) >> 20)
#define BLK_MINOR(dev)	      ((dev) & ((1u << 20) - 1))

#endif
