/* What bpfscope needs from /proc/PID: the parent, the start time and the
 * executable. /proc/PID/stat is parsed from the last ')' because a comm may
 * itself contain spaces and parentheses. */
#ifndef BPFSCOPE_PROCSTAT_H
#define BPFSCOPE_PROCSTAT_H

#include <stddef.h>

struct proc_stat {
	char comm[16];
	char state;
	int ppid;
	unsigned long long start_ticks; /* field 22: start time in clock ticks */
};

/* Parses one /proc/PID/stat line; 0 or -EINVAL. */
int proc_stat_parse(const char *line, struct proc_stat *st);
/* Reads and parses /proc/PID/stat; 0, or a negative errno. */
int proc_stat_read(int pid, struct proc_stat *st);
/* The executable path of pid without " (deleted)"; < 0 if unreadable. */
int proc_exe_path(int pid, char *path, size_t size);

#endif
