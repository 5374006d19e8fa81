/* Turns a path read by BPF (bpf/fdpath.h: components leaf first) into
 * "/dir/file"; nameless files get their type ("[pipe]", "[socket]"). */
#ifndef BPFSCOPE_CORE_FDPATH_H
#define BPFSCOPE_CORE_FDPATH_H

#include <stddef.h>

#include "bpf/fdpath.h"

/* A truncated walk is shown with a leading ".../". */
void fdpath_format(const struct fdpath *p, char *out, size_t len);
/* 'R' regular, 'F' FIFO, 'S' socket, 'D' directory, 'C'/'B' device, '?' */
char fdpath_type(const struct fdpath *p);

#endif
