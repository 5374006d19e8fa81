/* A target with calls of known durations, for the fast-path tests
 * (tests/integ/trace_fast.sh): the histogram slot of every call is known,
 * so the fast and the generic probe programs must give the same slots.
 *
 *   naps wait ROUNDS   waits for a line on stdin, then runs ROUNDS rounds
 *                      in the main thread and in a second thread at once
 *
 * A round is nap_recurse(2): a recursion of three calls, each sleeping
 * after its inner call returns, so the innermost lasts ~18 ms (log2 slot
 * [16777216, 33554432) ns), the middle ~70 ms ([67108864, 134217728)) and
 * the outer ~275 ms ([268435456, 536870912)). A sleep never ends early, and
 * each total sits at least 15 ms below its slot's upper edge, so a late
 * wakeup on a loaded machine stays in the slot (the first version's 5.5 ms
 * call had 2.9 ms of room and crossed it under load in CI). */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NOINLINE __attribute__((noinline, used))

static const long nap_us[] = {18000, 52000, 205000}; /* by depth: totals 18, 70, 275 ms */

static void sleep_us(long us)
{
	struct timespec ts = {us / 1000000, (us % 1000000) * 1000};

	while (nanosleep(&ts, &ts))
		;
}

NOINLINE long nap_recurse(int depth)
{
	long inner = depth > 0 ? nap_recurse(depth - 1) : 0;

	sleep_us(nap_us[depth]);
	return inner + 1;
}

static void *rounds(void *arg)
{
	long n = (long)arg, calls = 0;

	for (long i = 0; i < n; i++)
		calls += nap_recurse(2);
	return (void *)calls;
}

int main(int argc, char **argv)
{
	long n = argc > 2 ? atol(argv[2]) : 2;
	char go[16];
	pthread_t t;
	void *other;

	if (argc != 3 || strcmp(argv[1], "wait")) {
		fprintf(stderr, "usage: naps wait ROUNDS\n");
		return 2;
	}
	if (!fgets(go, sizeof(go), stdin))
		return 1;
	pthread_create(&t, NULL, rounds, (void *)n);
	long mine = (long)rounds((void *)n);
	pthread_join(t, &other);
	printf("calls %ld\n", mine + (long)other);
	return 0;
}
