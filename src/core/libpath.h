/* Finding the binary a probe names: a path, a library's short name
 * ("libmemcached", "c", "libssl.so.3") looked up in the process's maps (with
 * -p, through /proc/PID/root so other mount namespaces work) or else in the
 * dynamic linker's cache (/etc/ld.so.cache), or a program name on $PATH, or
 * last in the dynamic linker's default directories (no cache on the system). */
#ifndef BPFSCOPE_LIBPATH_H
#define BPFSCOPE_LIBPATH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Does a library file name match a short name? "libmemcached" and
 * "memcached" match "libmemcached.so.11"; "libc" matches "libc.so.6" and
 * "libc-2.31.so" but not "libcrypt.so.1". */
bool libpath_name_matches(const char *file_name, const char *short_name);

/* Resolves name to a path readable from here. pid 0: any process. Returns 0,
 * or -ENOENT after nothing matched. */
int libpath_resolve(const char *name, pid_t pid, char *out, size_t len);

/* The first file in dir whose name matches name (libpath_name_matches);
 * used where there is no ld.so.cache (exposed for tests). */
int libpath_dir_lookup(const char *dir, const char *name, char *out, size_t len);

/* Looks name up in an ld.so.cache image (exposed for tests and fuzzing). */
int libpath_ldcache_lookup(const void *cache, size_t size, const char *name, char *out,
			   size_t len);

#endif
