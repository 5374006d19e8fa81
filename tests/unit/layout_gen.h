/* Shared by the tests that check a built-in layout table against the php-dev
 * headers: compile and run a generator (scripts/php-layout.c,
 * scripts/mysqlnd-layout.c: "name value" lines from offsetof) and read its
 * values. */
#ifndef BPFSCOPE_TEST_LAYOUT_GEN_H
#define BPFSCOPE_TEST_LAYOUT_GEN_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Runs scripts/<script>.c built against php-config8.2's headers; out gets
 * "\n" + its output. Fails the test when it does not build or run. */
static void layout_gen_run(const char *script, char *out, size_t len)
{
	char cmd[512];
	size_t n;
	FILE *p;

	snprintf(cmd, sizeof(cmd),
		 "cc -D_GNU_SOURCE $(php-config8.2 --includes) scripts/%s.c "
		 "-o /tmp/bpfscope-%s-$$ 2>/dev/null && /tmp/bpfscope-%s-$$; "
		 "rc=$?; rm -f /tmp/bpfscope-%s-$$; exit $rc",
		 script, script, script, script);
	p = popen(cmd, "r");
	assert_non_null(p);
	out[0] = '\n';
	n = fread(out + 1, 1, len - 2, p);
	out[n + 1] = 0;
	assert_int_equal(pclose(p), 0);
}

/* The value of `name` in the generator's output, or -1. */
static long gen_value(const char *out, const char *name)
{
	char key[64];
	const char *p;

	snprintf(key, sizeof(key), "\n%s ", name);
	p = strstr(out, key);
	return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

#endif
