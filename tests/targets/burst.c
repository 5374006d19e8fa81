/* A target whose call rate the test controls, for triggers
 * (tests/integ/trace_trigger.sh).
 *
 *   burst wait MS RATE...   waits for a line on stdin, then runs one phase
 *                           of MS milliseconds per RATE: tick() is called
 *                           RATE times a second (spread over 1 ms steps,
 *                           absolute deadlines so a late step catches up)
 *                           and work(phase, seq) once every millisecond.
 *
 * Prints "phase N calls C" per phase (the real tick count). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

volatile long sink;

__attribute__((noinline)) void tick(void)
{
	sink++;
}

__attribute__((noinline)) void work(long phase, long seq)
{
	sink += phase + seq;
}

static void step_deadline(struct timespec *t)
{
	t->tv_nsec += 1000000;
	if (t->tv_nsec >= 1000000000) {
		t->tv_nsec -= 1000000000;
		t->tv_sec++;
	}
}

int main(int argc, char **argv)
{
	struct timespec next;
	long seq = 0;
	char go[16];

	if (argc < 4 || strcmp(argv[1], "wait")) {
		fprintf(stderr, "usage: burst wait MS RATE...\n");
		return 2;
	}
	if (!fgets(go, sizeof(go), stdin))
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (int phase = 0; phase < argc - 3; phase++) {
		long ms = atol(argv[2]), rate = atol(argv[3 + phase]), calls = 0;

		for (long i = 0; i < ms; i++) {
			/* calls due by the end of this millisecond */
			long due = rate * (i + 1) / 1000;

			for (; calls < due; calls++)
				tick();
			work(phase, seq++);
			step_deadline(&next);
			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
		}
		printf("phase %d calls %ld\n", phase, calls);
	}
	return 0;
}
