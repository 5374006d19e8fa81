/* Syscall numbers to names for this architecture. The table is generated
 * at build time from the C library's <asm/unistd.h> (the Makefile runs the
 * preprocessor and keeps every numeric __NR_* define), so it always matches
 * the architecture the binary was built for and needs no kernel at run
 * time. Numbers the table lacks (newer kernels) are shown as numbers. */
#ifndef BPFSCOPE_SYSCALLS_H
#define BPFSCOPE_SYSCALLS_H

#include <stddef.h>

/* The name, or NULL when unknown. */
const char *syscall_name(long nr);
/* The name, or the number as text when unknown. */
void syscall_format(long nr, char *buf, size_t len);
/* The number of a name ("read"), or -1. */
long syscall_number(const char *name);
/* How many syscalls the table knows. */
size_t syscall_count(void);

#endif
