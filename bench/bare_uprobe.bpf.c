/* The baseline for bench/run.sh: empty programs, the least a BPF uprobe and
 * uretprobe can cost (the kernel's trap, the return-address hijack and the
 * BPF program dispatch; nothing else). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("uprobe")
int bare_entry(void *ctx)
{
	return 0;
}

SEC("uretprobe")
int bare_return(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
