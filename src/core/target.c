#include "core/target.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/log.h"

const char *cgroup2_root(void)
{
	static char root[PATH_MAX];
	char line[1024], mnt[PATH_MAX], type[64];
	FILE *f;

	if (root[0])
		return root;
	f = fopen("/proc/self/mounts", "r");
	if (!f)
		return NULL;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %4095s %63s", mnt, type) == 2 && !strcmp(type, "cgroup2")) {
			snprintf(root, sizeof(root), "%s", mnt);
			break;
		}
	fclose(f);
	return root[0] ? root : NULL;
}

uint64_t cgroup_id_of(const char *path)
{
	const char *root = cgroup2_root();
	char full[PATH_MAX];
	struct stat st;
	char *end;
	unsigned long long id = strtoull(path, &end, 10);

	if (*path && !*end && id)
		return id;
	if (!root) {
		log_error("--cgroup: no cgroup v2 hierarchy is mounted");
		return 0;
	}
	if (path[0] == '/' && !strncmp(path, root, strlen(root)))
		snprintf(full, sizeof(full), "%s", path);
	else
		snprintf(full, sizeof(full), "%s/%s", root, path[0] == '/' ? path + 1 : path);
	if (stat(full, &st) || !S_ISDIR(st.st_mode)) {
		log_error("--cgroup: %s is not a cgroup v2 directory (%s)", full,
			  errno ? strerror(errno) : "not a directory");
		return 0;
	}
	return (uint64_t)st.st_ino;
}

int target_filter(const struct common_opts *opts, struct filter_cfg *filter)
{
	memset(filter, 0, sizeof(*filter));
	filter->tgid = (__u32)opts->pid;
	if (opts->comm) {
		filter->has_comm = 1;
		snprintf(filter->comm, sizeof(filter->comm), "%s", opts->comm);
	}
	if (opts->cgroup && !(filter->cgroup_id = cgroup_id_of(opts->cgroup)))
		return -EINVAL;
	return 0;
}
