/* Deterministic output through traced functions, for the test that a traced
 * program behaves exactly as an untraced one: recursion, strings, structs,
 * thousands of calls, a few thousand lines of output.   digest [ROUNDS] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOINLINE __attribute__((noinline, used))

struct record {
	char name[24];
	uint32_t len;
	uint64_t acc;
};

NOINLINE uint64_t mix(uint64_t h, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

NOINLINE uint64_t fold(int depth, uint64_t h)
{
	return depth == 0 ? h : fold(depth - 1, h * 31 + (uint64_t)depth);
}

NOINLINE void update(struct record *r, int i)
{
	snprintf(r->name, sizeof(r->name), "rec-%d", i % 97);
	r->len = (uint32_t)strlen(r->name);
	r->acc = fold(i % 12, mix(r->acc, r->name, r->len));
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 3000;
	struct record r = { .acc = 14695981039346656037ull };

	for (int i = 0; i < rounds; i++) {
		update(&r, i);
		printf("%d %s %u %016llx\n", i, r.name, r.len, (unsigned long long)r.acc);
	}
	return 0;
}
