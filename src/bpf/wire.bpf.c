/* wire: MySQL and memcached traffic of traced processes, captured at the
 * socket syscalls (the programs live in wire.bpf.h, shared with other
 * objects that want the same records). */
#include "bpf/common.bpf.h"
#include "bpf/wire.bpf.h"
