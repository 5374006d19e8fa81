/* Kernel BTF from a file: the --btf FILE option.
 *
 * CO-RE relocations need the running kernel's type layout. libbpf takes it
 * from /sys/kernel/btf/vmlinux, or from a few well-known vmlinux paths, or
 * from the btf_custom_path open option. Kernels built without
 * CONFIG_DEBUG_INFO_BTF (Ubuntu 20.04's 5.4, for one) have none of these, so
 * a user passes a BTF file made for that exact kernel (pahole -J on the
 * vmlinux of its debug-symbols package) and a tool that supports the option
 * (COMMON_BTF in its spec) opens its skeleton with it:
 *
 *   LIBBPF_OPTS(bpf_object_open_opts, oo, .btf_custom_path = opts->btf);
 *   skel = x_bpf__open_opts(&oo);
 *
 * Only CO-RE uses the file. tp_btf and fentry need BTF inside the kernel and
 * stay unavailable there; the loader falls back to raw_tp and tracepoints. */
#ifndef BPFSCOPE_KBTF_H
#define BPFSCOPE_KBTF_H

#include <stddef.h>

/* 0 when path is a readable BTF file (raw, or ELF with .BTF) that describes
 * a kernel (has struct task_struct); else a negative errno and, in why, the
 * reason for the user. */
int kbtf_check_file(const char *path, char *why, size_t len);

/* OPT_CUSTOM parser for --btf: checks the file, stores arg in *(const char **)dest. */
int kbtf_parse_option(const char *arg, void *dest);

#endif
