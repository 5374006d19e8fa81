/* The floor for bench/net-syscall.sh: empty programs on the 20 syscall
 * tracepoints `bpfscope net` uses (enter and exit of the ten send and
 * receive calls), the least those hooks can cost (the kernel's syscall
 * tracepoint dispatch; nothing else). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define BARE(call)                                                                                 \
	SEC("tp/syscalls/sys_enter_" #call) int call##_enter(void *ctx) { return 0; }              \
	SEC("tp/syscalls/sys_exit_" #call) int call##_exit(void *ctx) { return 0; }

BARE(sendto)
BARE(sendmsg)
BARE(write)
BARE(writev)
BARE(sendmmsg)
BARE(recvfrom)
BARE(recvmsg)
BARE(read)
BARE(readv)
BARE(recvmmsg)

char LICENSE[] SEC("license") = "GPL";
