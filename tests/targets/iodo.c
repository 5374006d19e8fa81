/* Waits for a line on stdin (so a test can attach first), then performs the
 * actions named on its command line, in order, and exits 0 (1 on a failed
 * action that should have worked). Actions:
 *   getppid N            N getppid() calls
 *   stat PATH            stat(PATH), failure expected or not
 *   fsync PATH           create PATH, write 1 byte, fsync, fdatasync, close
 *   write PATH BYTES     create PATH and write BYTES bytes in 4 KiB writes
 *   read PATH            read PATH to its end in 4 KiB reads
 *   direct PATH N        N O_DIRECT 4 KiB writes to PATH on its disk, fsync
 *   mmap PATH LEN        open PATH read-only, mmap LEN bytes shared, close
 *   hog MB               allocate and touch MB MiB (for the OOM killer)
 *   sleep MS             sleep MS milliseconds */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char buf[4096] __attribute__((aligned(4096)));

static int do_write(const char *path, long bytes, int flags)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | flags, 0644);

	if (fd < 0)
		return 1;
	memset(buf, 'x', sizeof(buf));
	for (long done = 0; done < bytes; done += sizeof(buf))
		if (write(fd, buf,
			  bytes - done < (long)sizeof(buf) ? bytes - done : (long)sizeof(buf)) < 0)
			return 1;
	fsync(fd);
	return close(fd) != 0;
}

static int do_read(const char *path)
{
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return 1;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	return close(fd) != 0;
}

static int do_fsync(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0 || write(fd, "x", 1) != 1)
		return 1;
	return fsync(fd) || fdatasync(fd) || close(fd);
}

static int do_mmap(const char *path, long len)
{
	int fd = open(path, O_RDONLY);
	void *p;

	if (fd < 0)
		return 1;
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	return p == MAP_FAILED;
}

static int do_hog(long mb)
{
	for (long i = 0; i < mb; i++) {
		char *p = malloc(1 << 20);

		if (!p)
			return 1;
		memset(p, 1, 1 << 20);
	}
	return 0;
}

static int act(char **argv, int *used)
{
	const char *what = argv[0];
	struct stat st;

	*used = 2;
	if (!strcmp(what, "getppid")) {
		for (long i = atol(argv[1]); i > 0; i--)
			getppid();
		return 0;
	}
	if (!strcmp(what, "stat"))
		return stat(argv[1], &st), 0;
	if (!strcmp(what, "fsync"))
		return do_fsync(argv[1]);
	if (!strcmp(what, "read"))
		return do_read(argv[1]);
	if (!strcmp(what, "hog"))
		return do_hog(atol(argv[1]));
	if (!strcmp(what, "sleep"))
		return usleep(atol(argv[1]) * 1000), 0;
	*used = 3;
	if (!argv[2])
		return 2;
	if (!strcmp(what, "write"))
		return do_write(argv[1], atol(argv[2]), 0);
	if (!strcmp(what, "direct"))
		return do_write(argv[1], atol(argv[2]) * 4096, O_DIRECT);
	if (!strcmp(what, "mmap"))
		return do_mmap(argv[1], atol(argv[2]));
	return 2;
}

int main(int argc, char **argv)
{
	char line[16];
	int used;

	if (!fgets(line, sizeof(line), stdin))
		return 3;
	for (int i = 1; i < argc; i += used) {
		if (i + 1 >= argc)
			return 2;
		int rc = act(argv + i, &used);
		if (rc)
			return rc;
	}
	return 0;
}
