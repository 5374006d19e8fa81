/* --follow: when the traced process exits, find the next process running
 * the same executable (a restart, a new worker, a deploy that replaced the
 * binary on disk) so the command can attach to it again. Matching is by the
 * executable's path, so a replaced binary (new inode, " (deleted)" on the old
 * one) still matches (core/procstat.h proc_exe_path reads the path). */
#ifndef BPFSCOPE_FOLLOW_H
#define BPFSCOPE_FOLLOW_H

#include <stddef.h>

/* Polls /proc until a process other than old_pid (and not us) runs exe;
 * returns the newest such pid, or 0 when a stop signal arrived or
 * timeout_s passed (timeout_s <= 0: no limit). */
int follow_successor(const char *exe, int old_pid, double timeout_s);

#endif
