/* Burns CPU in N threads for S seconds: run-queue contention for runqlat. */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

static double seconds;

static void *burn(void *arg)
{
	struct timespec start, now;
	volatile unsigned long x = 0;

	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		for (int i = 0; i < 100000; i++)
			x += i;
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (now.tv_sec - start.tv_sec + (now.tv_nsec - start.tv_nsec) / 1e9 < seconds);
	return NULL;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 4;
	pthread_t threads[64];

	seconds = argc > 2 ? atof(argv[2]) : 2;
	if (n < 1 || n > 64)
		return 2;
	for (int i = 0; i < n; i++)
		pthread_create(&threads[i], NULL, burn, NULL);
	for (int i = 0; i < n; i++)
		pthread_join(threads[i], NULL);
	return 0;
}
