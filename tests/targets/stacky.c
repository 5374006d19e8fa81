/* Known stacks for the stack tools' tests. Usage: stacky MODE [ARGS]; every
 * mode first waits for a line on stdin (so the tracer can attach), does its
 * work in functions with recognisable names, prints "done" and then waits
 * for another line (or EOF) before exiting, so its maps stay readable.
 *
 *   hot SECONDS        burn CPU in hot_spin_loop()
 *   sleep N MS         N times block MS ms in read() on a pipe, from
 *                      blocking_wait() -> blocking_read()
 *   wake N MS          thread "stk-waker" writes to a pipe N times every MS
 *                      ms from wake_partner(); thread "stk-wakee" reads it
 *   leak N SIZE        leak N blocks of SIZE bytes from leak_blocks(), plus
 *                      malloc/free pairs that must not show
 *   fault N [FILE]     write to N new anonymous pages in touch_pages(), or
 *                      to N pages of FILE mapped private when given */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

static volatile unsigned long sink;

static void wait_line(void)
{
	char line[64];

	if (!fgets(line, sizeof(line), stdin))
		return;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

NOINLINE static void hot_spin_loop(double seconds)
{
	double end = now() + seconds;

	while (now() < end)
		for (int i = 0; i < 200000; i++)
			sink += i * 7;
}

NOINLINE static void blocking_read(int fd)
{
	char c;

	if (read(fd, &c, 1) < 0)
		perror("read");
	sink++;
}

NOINLINE static void blocking_wait(int fd)
{
	blocking_read(fd);
	sink++;
}

static int pipe_fds[2];
static int wake_n, wake_ms;

NOINLINE static void wake_partner(void)
{
	if (write(pipe_fds[1], "x", 1) != 1)
		perror("write");
	sink++;
}

static void *waker(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "stk-waker");
	for (int i = 0; i < wake_n; i++) {
		usleep(wake_ms * 1000);
		wake_partner();
	}
	return NULL;
}

/* The sleep mode: the "waker" writes, the main thread blocks. */
static void sleep_mode(int n, int ms)
{
	pthread_t t;

	wake_n = n;
	wake_ms = ms;
	pthread_create(&t, NULL, waker, NULL);
	for (int i = 0; i < n; i++)
		blocking_wait(pipe_fds[0]);
	pthread_join(t, NULL);
}

static void wake_mode(int n, int ms)
{
	pthread_setname_np(pthread_self(), "stk-wakee");
	sleep_mode(n, ms);
}

NOINLINE static void *leak_blocks(int n, size_t size)
{
	void *last = NULL;

	for (int i = 0; i < n; i++) {
		last = malloc(size);
		memset(last, 1, size);
	}
	return last;
}

NOINLINE static void churn(int n)
{
	for (int i = 0; i < n; i++) {
		void *p = malloc(100 + i);
		void *q = calloc(4, 64);

		p = realloc(p, 5000);
		free(q);
		free(p);
	}
}

/* Writes: one fault per page, also for a file (copy on write, where a
 * read would map up to 16 cached pages per fault). */
NOINLINE static void touch_pages(char *base, int n, long page)
{
	for (int i = 0; i < n; i++)
		base[(long)i * page] = 1;
}

static int fault_mode(int n, const char *file)
{
	long page = sysconf(_SC_PAGESIZE);
	int fd = -1;
	char *base;

	if (file) {
		fd = open(file, O_RDONLY);
		if (fd < 0)
			return 1;
		base = mmap(NULL, n * page, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	} else {
		base = mmap(NULL, n * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
			    0);
	}
	if (base == MAP_FAILED)
		return 1;
	madvise(base, n * page, MADV_NOHUGEPAGE);
	touch_pages(base, n, page);
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	int a = argc > 2 ? atoi(argv[2]) : 0, b = argc > 3 ? atoi(argv[3]) : 0;
	int rc = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (pipe(pipe_fds))
		return 1;
	printf("ready\n");
	wait_line();
	if (!strcmp(mode, "hot"))
		hot_spin_loop(a);
	else if (!strcmp(mode, "sleep"))
		sleep_mode(a, b);
	else if (!strcmp(mode, "wake"))
		wake_mode(a, b);
	else if (!strcmp(mode, "leak")) {
		churn(50);
		sink += (unsigned long)leak_blocks(a, b);
	} else if (!strcmp(mode, "fault"))
		rc = fault_mode(a, argc > 3 && argv[3][0] ? argv[3] : NULL);
	else
		return 2;
	printf("done\n");
	wait_line();
	return rc;
}
