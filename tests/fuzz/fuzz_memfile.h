/* For fuzzers whose parser opens a path (type packs, record files): the
 * input goes into "input" in a private temporary directory, removed at
 * exit. Not a memfd: SQLite resolves /proc/self/fd symlinks and then cannot
 * open the file. What SQLite may leave beside it (-wal, -shm, -journal) is
 * removed before each input, so no run sees the previous one's. */
#ifndef BPFSCOPE_FUZZ_MEMFILE_H
#define BPFSCOPE_FUZZ_MEMFILE_H

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char memfile_dir[64], memfile_path[96];
static const char *const memfile_sidecars[] = {"-wal", "-shm", "-journal"};

static void memfile_clean(void)
{
	char side[128];

	for (size_t i = 0; i < sizeof(memfile_sidecars) / sizeof(memfile_sidecars[0]); i++) {
		snprintf(side, sizeof(side), "%s%s", memfile_path, memfile_sidecars[i]);
		unlink(side);
	}
}

static void memfile_remove(void)
{
	memfile_clean();
	unlink(memfile_path);
	rmdir(memfile_dir);
}

/* The path of a file holding exactly data[size]; aborts when it cannot. */
static const char *memfile_put(const uint8_t *data, size_t size)
{
	int fd;

	if (!memfile_dir[0]) {
		snprintf(memfile_dir, sizeof(memfile_dir), "%s/bpfscope-fuzz.XXXXXX",
			 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
		if (!mkdtemp(memfile_dir))
			abort();
		snprintf(memfile_path, sizeof(memfile_path), "%s/input", memfile_dir);
		atexit(memfile_remove);
	}
	memfile_clean();
	fd = open(memfile_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size) || close(fd))
		abort();
	return memfile_path;
}

#endif
