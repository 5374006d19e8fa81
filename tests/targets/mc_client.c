/* A libmemcached client for trace tests: against a memcached on
 * 127.0.0.1:PORT, waits for a line on stdin, then sets N keys "key:<i>" and
 * fetches them back with one memcached_mget, ROUNDS times (mc_round: one
 * round, the root span of tests/integ/spans_memcached.sh).
 *   mc_client PORT N ROUNDS */
#include <libmemcached/memcached.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One round, a request for span tests: N sets, one mget, the fetches.
 * Returns the keys fetched, or -3/-4 on a failed set/mget. */
__attribute__((noinline)) int mc_round(memcached_st *mc, const char *const *keys,
				       const size_t *key_lens, int n)
{
	memcached_result_st *res;
	memcached_return_t rc;
	int got = 0;

	for (int i = 0; i < n; i++)
		if (memcached_set(mc, keys[i], key_lens[i], "value", 5, 0, 0) != MEMCACHED_SUCCESS)
			return -3;
	if (memcached_mget(mc, keys, key_lens, (size_t)n) != MEMCACHED_SUCCESS)
		return -4;
	while ((res = memcached_fetch_result(mc, NULL, &rc))) {
		got++;
		memcached_result_free(res);
	}
	return got;
}

int main(int argc, char **argv)
{
	int port = argc > 1 ? atoi(argv[1]) : 11211, n = argc > 2 ? atoi(argv[2]) : 3;
	int rounds = argc > 3 ? atoi(argv[3]) : 1, got = 0;
	memcached_st *mc = memcached_create(NULL);
	char keys[16][32], go[16];
	const char *key_ptrs[16];
	size_t key_lens[16];

	if (!mc || n < 1 || n > 16 || memcached_server_add(mc, "127.0.0.1", (in_port_t)port))
		return 2;
	if (!fgets(go, sizeof(go), stdin))
		return 1;
	for (int i = 0; i < n; i++) {
		snprintf(keys[i], sizeof(keys[i]), "key:%d", i);
		key_ptrs[i] = keys[i];
		key_lens[i] = strlen(keys[i]);
	}
	for (int r = 0; r < rounds; r++) {
		int fetched = mc_round(mc, key_ptrs, key_lens, n);

		if (fetched < 0)
			return -fetched;
		got += fetched;
	}
	printf("fetched %d\n", got);
	memcached_free(mc);
	return 0;
}
