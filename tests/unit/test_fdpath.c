/* Joining BPF-read path components (leaf first) into a path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>
#include <sys/stat.h>

#include "core/fdpath.h"

/* Builds a struct fdpath from leaf-first names. */
static void make(struct fdpath *p, unsigned mode, int truncated, const char *const *names, int n)
{
	memset(p, 0, sizeof(*p));
	p->mode = mode;
	p->truncated = truncated;
	for (int i = 0; i < n; i++) {
		strcpy(p->comps + p->used, names[i]);
		p->used += strlen(names[i]) + 1;
	}
}

static void test_join(void **state)
{
	const char *names[] = {"file.txt", "dir", "tmp"};
	struct fdpath p;
	char out[64];

	(void)state;
	make(&p, S_IFREG | 0644, 0, names, 3);
	fdpath_format(&p, out, sizeof(out));
	assert_string_equal(out, "/tmp/dir/file.txt");
	assert_int_equal(fdpath_type(&p), 'R');
	make(&p, S_IFREG, 1, names, 2);
	fdpath_format(&p, out, sizeof(out));
	assert_string_equal(out, ".../dir/file.txt");
}

static void test_nameless_and_bad(void **state)
{
	const char *names[] = {"abc"};
	struct fdpath p;
	char out[64], small[6];

	(void)state;
	make(&p, S_IFIFO, 0, NULL, 0);
	fdpath_format(&p, out, sizeof(out));
	assert_string_equal(out, "[pipe]");
	make(&p, S_IFSOCK, 0, NULL, 0);
	fdpath_format(&p, out, sizeof(out));
	assert_string_equal(out, "[socket]");
	make(&p, 0, 0, NULL, 0);
	fdpath_format(&p, out, sizeof(out));
	assert_string_equal(out, "");
	/* unterminated tail is dropped, used beyond the buffer is clamped */
	make(&p, S_IFREG, 0, names, 1);
	memset(p.comps + p.used, 'z', sizeof(p.comps) - p.used);
	p.used = 100000;
	fdpath_format(&p, out, sizeof(out));
	assert_string_equal(out, "/abc");
	make(&p, S_IFREG, 0, names, 1);
	fdpath_format(&p, small, sizeof(small));
	assert_string_equal(small, "/abc");
	fdpath_format(&p, small, 3);
	assert_string_equal(small, "/a");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_join),
	    cmocka_unit_test(test_nameless_and_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
