/* Exec notifications for a process, from the kernel's process events
 * connector (netlink, root only): uprobes attached for one pid stop firing
 * when that process execs (the new image has a new mm), so a tracer must
 * notice the exec and attach again. No BPF program needed. */
#ifndef BPFSCOPE_PROCEVENTS_H
#define BPFSCOPE_PROCEVENTS_H

#include <stdbool.h>

/* A non-blocking listening socket, or < 0 (no connector in this kernel). */
int procevents_open(void);
/* Drains the queued events; true if process tgid exec'd among them. */
bool procevents_exec_seen(int fd, int tgid);

#endif
