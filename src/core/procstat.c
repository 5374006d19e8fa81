/* See procstat.h. */
#include "core/procstat.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int proc_stat_parse(const char *line, struct proc_stat *st)
{
	const char *open = strchr(line, '('), *close = strrchr(line, ')');
	size_t len;

	memset(st, 0, sizeof(*st));
	if (!open || !close || close < open)
		return -EINVAL;
	len = (size_t)(close - open - 1);
	if (len >= sizeof(st->comm))
		len = sizeof(st->comm) - 1;
	memcpy(st->comm, open + 1, len);
	/* fields 3 (state) and 4 (ppid), then 18 skipped up to 22 (starttime) */
	if (sscanf(close + 1, " %c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d "
			      "%*d %*d %llu",
		   &st->state, &st->ppid, &st->start_ticks) != 3)
		return -EINVAL;
	return 0;
}

int proc_stat_read(int pid, struct proc_stat *st)
{
	char path[64], line[1024];
	FILE *f;
	int err = -EINVAL;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	if (fgets(line, sizeof(line), f))
		err = proc_stat_parse(line, st);
	fclose(f);
	return err;
}

int proc_exe_path(int pid, char *path, size_t size)
{
	static const char deleted[] = " (deleted)";
	const size_t dlen = sizeof(deleted) - 1;
	char link[64];
	ssize_t len;

	snprintf(link, sizeof(link), "/proc/%d/exe", pid);
	len = readlink(link, path, size - 1);
	if (len <= 0)
		return -errno;
	path[len] = 0;
	if ((size_t)len > dlen && !strcmp(path + len - dlen, deleted))
		path[len - dlen] = 0;
	return 0;
}
