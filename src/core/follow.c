/* See follow.h. */
#include "core/follow.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/evloop.h"
#include "core/procstat.h"

#define POLL_NS 50000000L

/* The newest process other than old_pid and ourselves running exe, or 0. */
static int newest_running(const char *exe, int old_pid)
{
	DIR *dir = opendir("/proc");
	struct dirent *de;
	unsigned long long best_start = 0, start;
	int best = 0, pid;
	char path[4096];
	struct proc_stat st;

	if (!dir)
		return 0;
	while ((de = readdir(dir))) {
		pid = atoi(de->d_name);
		if (pid <= 0 || pid == old_pid || pid == getpid())
			continue;
		if (proc_exe_path(pid, path, sizeof(path)) || strcmp(path, exe))
			continue;
		start = proc_stat_read(pid, &st) ? 0 : st.start_ticks;
		if (!best || start > best_start) {
			best = pid;
			best_start = start;
		}
	}
	closedir(dir);
	return best;
}

int follow_successor(const char *exe, int old_pid, double timeout_s)
{
	struct timespec step = { 0, POLL_NS };
	double waited = 0;
	int pid;

	while (!evloop_stopping() && (timeout_s <= 0 || waited < timeout_s)) {
		if ((pid = newest_running(exe, old_pid)))
			return pid;
		nanosleep(&step, NULL);
		waited += POLL_NS / 1e9;
	}
	return 0;
}
