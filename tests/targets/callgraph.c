/* A known call graph for `bpfscope discover` (tests/integ/discover.sh).
 *
 *   callgraph wait REQUESTS   waits for a line on stdin, then serves
 *                             REQUESTS requests and runs housekeeping()
 *                             after each.
 *
 * Per request: handle_request calls leaf_a 3 times and leaf_b twice (each
 * leaf_b calls leaf_a once: 5 leaf_a per request), and leaf_c once for
 * requests of kind 1 (every second one). housekeeping, outside requests,
 * calls leaf_a and leaf_c once each. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

volatile long sink;

__attribute__((noinline)) void leaf_a(int i)
{
	sink += i;
}

__attribute__((noinline)) void leaf_b(int i)
{
	sink += 2 * i;
	leaf_a(i);
}

__attribute__((noinline)) void leaf_c(void)
{
	struct timespec ts = {0, 200000}; /* 0.2 ms: the slow one */

	nanosleep(&ts, NULL);
}

__attribute__((noinline)) void handle_request(int kind)
{
	for (int i = 0; i < 3; i++)
		leaf_a(i);
	for (int i = 0; i < 2; i++)
		leaf_b(i);
	if (kind == 1)
		leaf_c();
}

__attribute__((noinline)) void housekeeping(void)
{
	leaf_a(0);
	leaf_c();
}

int main(int argc, char **argv)
{
	int requests = argc > 2 ? atoi(argv[2]) : 10;
	char go[16];

	if (argc < 2 || strcmp(argv[1], "wait")) {
		fprintf(stderr, "usage: callgraph wait REQUESTS\n");
		return 2;
	}
	if (!fgets(go, sizeof(go), stdin))
		return 1;
	for (int r = 0; r < requests; r++) {
		handle_request(r % 2);
		housekeeping();
	}
	printf("served %d\n", requests);
	return 0;
}
