/* See libpath.h. The ld.so.cache parser reads the "new" format written by
 * glibc since 2.32 (alone) or after the old-format table (older glibc):
 * a header, nlibs fixed-size entries, then a string table whose offsets are
 * relative to the start of the new-format header. */
#include "core/libpath.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define LDCACHE_MAGIC "glibc-ld.so.cache1.1"
#define LDCACHE_FLAG_X8664 0x0300
#define LDCACHE_FLAG_AARCH64 0x0a00
#define LDCACHE_ARCH_MASK 0xff00

struct ldcache_header {
	char magic[20];
	uint32_t nlibs;
	uint32_t len_strings;
	uint8_t flags;
	uint8_t pad[3];
	uint32_t extension_offset;
	uint32_t unused[3];
};

struct ldcache_entry {
	int32_t flags;
	uint32_t key, value;
	uint32_t osversion;
	uint64_t hwcap;
};

bool libpath_name_matches(const char *file_name, const char *short_name)
{
	char want[NAME_MAX + 1];
	size_t n;

	if (!strcmp(file_name, short_name))
		return true;
	if (strncmp(short_name, "lib", 3))
		snprintf(want, sizeof(want), "lib%s", short_name);
	else
		snprintf(want, sizeof(want), "%s", short_name);
	n = strlen(want);
	if (strncmp(file_name, want, n))
		return false;
	/* next must start the version or suffix: ".so", "-2.31.so" */
	return !strncmp(file_name + n, ".so", 3) || (file_name[n] == '-' && strstr(file_name + n, ".so"));
}

static bool native_arch(int32_t flags)
{
#if defined(__x86_64__)
	return (flags & LDCACHE_ARCH_MASK) == LDCACHE_FLAG_X8664;
#elif defined(__aarch64__)
	return (flags & LDCACHE_ARCH_MASK) == LDCACHE_FLAG_AARCH64;
#else
	(void)flags;
	return true;
#endif
}

int libpath_ldcache_lookup(const void *cache, size_t size, const char *name, char *out, size_t len)
{
	const char *base = cache, *hdr_at = memmem(cache, size, LDCACHE_MAGIC, strlen(LDCACHE_MAGIC));
	const struct ldcache_header *hdr;
	const struct ldcache_entry *e;
	size_t off, table_end;

	if (!hdr_at || (size_t)(hdr_at - base) + sizeof(*hdr) > size)
		return -EINVAL;
	off = hdr_at - base;
	hdr = (const void *)hdr_at;
	table_end = off + sizeof(*hdr) + (size_t)hdr->nlibs * sizeof(*e);
	if (hdr->nlibs > size / sizeof(*e) || table_end > size)
		return -EINVAL;
	e = (const void *)(hdr_at + sizeof(*hdr));
	for (uint32_t i = 0; i < hdr->nlibs; i++, e++) {
		const char *key = hdr_at + e->key, *value = hdr_at + e->value;

		if (off + e->key >= size || off + e->value >= size ||
		    !memchr(key, 0, size - off - e->key) || !memchr(value, 0, size - off - e->value))
			continue; /* corrupt entry */
		if (native_arch(e->flags) && libpath_name_matches(key, name)) {
			snprintf(out, len, "%s", value);
			return 0;
		}
	}
	return -ENOENT;
}

static int from_ldcache(const char *name, char *out, size_t len)
{
	int fd = open("/etc/ld.so.cache", O_RDONLY | O_CLOEXEC), err = -ENOENT;
	struct stat st;
	void *map;

	if (fd < 0)
		return -errno;
	if (!fstat(fd, &st) && st.st_size > 0) {
		map = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (map != MAP_FAILED) {
			err = libpath_ldcache_lookup(map, st.st_size, name, out, len);
			munmap(map, st.st_size);
		}
	}
	close(fd);
	return err;
}

/* Looks through the mapped files of pid for the library. */
static int from_maps(const char *name, pid_t pid, char *out, size_t len)
{
	char path[64], line[PATH_MAX + 128];
	FILE *f;
	int err = -ENOENT;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	if (!(f = fopen(path, "r")))
		return -errno;
	while (err && fgets(line, sizeof(line), f)) {
		char *file = strchr(line, '/'), *slash;

		if (!file)
			continue;
		file[strcspn(file, "\n")] = 0;
		slash = strrchr(file, '/');
		if (libpath_name_matches(slash + 1, name) || !strcmp(file, name)) {
			snprintf(out, len, "/proc/%d/root%s", pid, file);
			err = 0;
		}
	}
	fclose(f);
	return err;
}

static int from_path_env(const char *name, char *out, size_t len)
{
	const char *env = getenv("PATH");
	char *dirs, *dir, *save = NULL;
	int err = -ENOENT;

	if (!env || !(dirs = strdup(env)))
		return -ENOENT;
	for (dir = strtok_r(dirs, ":", &save); dir && err; dir = strtok_r(NULL, ":", &save)) {
		snprintf(out, len, "%s/%s", dir, name);
		if (!access(out, X_OK))
			err = 0;
	}
	free(dirs);
	return err;
}

int libpath_dir_lookup(const char *dir, const char *name, char *out, size_t len)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int err = -ENOENT;

	if (!d)
		return -ENOENT;
	while (err && (de = readdir(d))) {
		if (!libpath_name_matches(de->d_name, name))
			continue;
		snprintf(out, len, "%s/%s", dir, de->d_name);
		if (!access(out, R_OK))
			err = 0;
	}
	closedir(d);
	return err;
}

/* Without an ld.so.cache (minimal images, initramfs), the dynamic linker
 * searches its default directories: so do we. */
static int from_default_dirs(const char *name, char *out, size_t len)
{
	static const char *const dirs[] = {
		"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64",
		"/lib", "/usr/lib", "/usr/local/lib",
	};

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (!libpath_dir_lookup(dirs[i], name, out, len))
			return 0;
	return -ENOENT;
}

int libpath_resolve(const char *name, pid_t pid, char *out, size_t len)
{
	if (strchr(name, '/')) {
		if (pid)
			snprintf(out, len, "/proc/%d/root%s%s", pid, name[0] == '/' ? "" : "/", name);
		else
			snprintf(out, len, "%s", name);
		return access(out, R_OK) ? -errno : 0;
	}
	if (pid && !from_maps(name, pid, out, len))
		return 0;
	if (!from_ldcache(name, out, len))
		return 0;
	if (!from_path_env(name, out, len))
		return 0;
	return from_default_dirs(name, out, len);
}
