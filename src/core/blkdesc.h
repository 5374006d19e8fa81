/* Naming block I/O for people: request flags (bpf/blk.h normalised bits) as
 * "Write Sync FUA" or as an rwbs string "WS", and a device number as its
 * disk name from /sys/dev/block. Shared by the block tools. */
#ifndef BPFSCOPE_BLKDESC_H
#define BPFSCOPE_BLKDESC_H

#include <stddef.h>
#include <stdint.h>

/* "Read", "Write Sync", "Flush Preflush", "Op 9" */
void blk_flags_words(uint32_t flags, char *buf, size_t len);
/* blktrace style: R, W, WS, FWS, D, ... */
void blk_flags_rwbs(uint32_t flags, char *buf, size_t len);
/* "vda" from /sys/dev/block/MAJ:MIN/uevent, else "MAJ:MIN". */
void blk_dev_name(uint32_t dev, char *buf, size_t len);

#endif
