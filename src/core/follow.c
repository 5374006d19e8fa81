/* See follow.h. */
#include "core/follow.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/evloop.h"

#define POLL_NS 50000000L

int follow_exe_of(int pid, char *path, size_t size)
{
	char link[64];
	ssize_t len;
	const char *deleted = " (deleted)";
	size_t dlen = strlen(deleted);

	snprintf(link, sizeof(link), "/proc/%d/exe", pid);
	len = readlink(link, path, size - 1);
	if (len <= 0)
		return -1;
	path[len] = 0;
	if ((size_t)len > dlen && !strcmp(path + len - dlen, deleted))
		path[len - dlen] = 0;
	return 0;
}

/* Start time in clock ticks (field 22 of /proc/PID/stat), 0 if unknown. */
static unsigned long long start_time_of(int pid)
{
	char file[64], buf[512], *p;
	unsigned long long start = 0;
	FILE *f;

	snprintf(file, sizeof(file), "/proc/%d/stat", pid);
	if (!(f = fopen(file, "r")))
		return 0;
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')))
		sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d "
			      "%*d %*d %llu", &start);
	fclose(f);
	return start;
}

/* The newest process other than old_pid and ourselves running exe, or 0. */
static int newest_running(const char *exe, int old_pid)
{
	DIR *dir = opendir("/proc");
	struct dirent *de;
	unsigned long long best_start = 0, start;
	int best = 0, pid;
	char path[4096];

	if (!dir)
		return 0;
	while ((de = readdir(dir))) {
		pid = atoi(de->d_name);
		if (pid <= 0 || pid == old_pid || pid == getpid())
			continue;
		if (follow_exe_of(pid, path, sizeof(path)) || strcmp(path, exe))
			continue;
		start = start_time_of(pid);
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
