/* Target selection: turns -p/-c/--cgroup into the kernel-side filter
 * (struct filter_cfg in .rodata) and validates it, so a bad target is
 * reported before anything is loaded. */
#ifndef BPFSCOPE_TARGET_H
#define BPFSCOPE_TARGET_H

#include <linux/types.h>
#include <stdint.h>

#include "bpf/common.h"
#include "core/options.h"

/* Mount point of the cgroup v2 hierarchy, or NULL. */
const char *cgroup2_root(void);
/* Resolves a cgroup v2 path (absolute, relative to the v2 mount, or a
 * numeric id) to its id. Prints one error line and returns 0 on failure. */
uint64_t cgroup_id_of(const char *path);
/* Fills the filter from the common options; < 0 after one error line. */
int target_filter(const struct common_opts *opts, struct filter_cfg *filter);

#endif
