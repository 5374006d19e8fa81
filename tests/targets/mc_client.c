/* A libmemcached client for trace tests: against a memcached on
 * 127.0.0.1:PORT, waits for a line on stdin, then sets N keys "key:<i>" and
 * fetches them back with one memcached_mget, ROUNDS times.
 *   mc_client PORT N ROUNDS */
#include <libmemcached/memcached.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
		for (int i = 0; i < n; i++)
			if (memcached_set(mc, keys[i], key_lens[i], "value", 5, 0, 0) != MEMCACHED_SUCCESS)
				return 3;
		if (memcached_mget(mc, key_ptrs, key_lens, (size_t)n) != MEMCACHED_SUCCESS)
			return 4;
		memcached_result_st *res;
		memcached_return_t rc;
		while ((res = memcached_fetch_result(mc, NULL, &rc))) {
			got++;
			memcached_result_free(res);
		}
	}
	printf("fetched %d\n", got);
	memcached_free(mc);
	return 0;
}
