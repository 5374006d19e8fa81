/* Flame graph tree: folding and merging of stacks, XML escaping, SVG shape. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/flamegraph.h"

/* Runs fn on a memory stream and returns what it wrote (malloc'd). */
static char *capture(void (*fn)(struct flame *f, FILE *out), struct flame *f)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	assert_non_null(out);
	fn(f, out);
	fclose(out);
	return buf;
}

static void write_folded(struct flame *f, FILE *out)
{
	flame__write_folded(f, out);
}

static void write_svg(struct flame *f, FILE *out)
{
	struct flame_svg_opts o = {"T<1>", "samples", 1000};

	assert_int_equal(flame__write_svg(f, out, &o), 0);
}

static void test_merge_same_paths(void **state)
{
	struct flame *f = flame__new();
	char *text;

	(void)state;
	assert_int_equal(flame__add(f, "main;a;b", 2), 0);
	assert_int_equal(flame__add(f, "main;a;b", 3), 0);
	assert_int_equal(flame__add(f, "main;a", 1), 0);
	assert_int_equal(flame__add_line(f, "main;c 4"), 0);
	assert_int_equal(flame__total(f), 10);
	text = capture(write_folded, f);
	/* sorted by name, one line per path with its own samples */
	assert_string_equal(text, "main;a 1\nmain;a;b 5\nmain;c 4\n");
	free(text);
	flame__free(f);
}

static void test_empty_frames_and_spaces(void **state)
{
	struct flame *f = flame__new();
	char *text;

	(void)state;
	/* a frame may hold spaces (C++); the count follows the last one */
	assert_int_equal(flame__add_line(f, "x;;operator new(unsigned long);;y 7\n"), 0);
	text = capture(write_folded, f);
	assert_string_equal(text, "x;operator new(unsigned long);y 7\n");
	free(text);
	flame__free(f);
}

static void test_malformed_lines(void **state)
{
	struct flame *f = flame__new();

	(void)state;
	assert_int_equal(flame__add_line(f, "no-count"), -22);
	assert_int_equal(flame__add_line(f, "a;b 12x"), -22);
	assert_int_equal(flame__add_line(f, " 5"), -22);
	assert_int_equal(flame__add_line(f, "a;b -3"), -22);
	assert_int_equal(flame__total(f), 0);
	flame__free(f);
}

static void test_xml_escape(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(xml_escape(buf, sizeof(buf), "a<b>&\"c'"), 28);
	assert_string_equal(buf, "a&lt;b&gt;&amp;&quot;c&apos;");
	/* control bytes and broken UTF-8 become '?', valid UTF-8 stays */
	xml_escape(buf, sizeof(buf), "x\x01y\xff\xc3(z\xc3\xa9");
	assert_string_equal(buf, "x?y?"
				 "?(z\xc3\xa9");
	/* truncation: like snprintf, returns the full length */
	assert_int_equal(xml_escape(buf, 4, "<<<"), 12);
	assert_int_equal(strlen(buf), 3);
	assert_int_equal(xml_escape(NULL, 0, "&"), 5);
}

static void test_svg(void **state)
{
	struct flame *f = flame__new();
	char *svg;

	(void)state;
	flame__add(f, "app;main;std::vector<int>::push_back", 3);
	flame__add(f, "app;main;idle", 1);
	svg = capture(write_svg, f);
	assert_non_null(strstr(svg, "<?xml version=\"1.0\""));
	assert_non_null(
	    strstr(svg, "<title>std::vector&lt;int&gt;::push_back (3 samples, 75.00%)</title>"));
	assert_non_null(strstr(svg, "<title>all (4 samples, 100.00%)</title>"));
	assert_non_null(strstr(svg, ">T&lt;1&gt;</text>")); /* title escaped */
	assert_non_null(strstr(svg, "function zoom("));
	assert_non_null(strstr(svg, "function search("));
	assert_null(strstr(svg, "<int>"));
	assert_non_null(strstr(svg, "</svg>\n"));
	free(svg);
	flame__free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_merge_same_paths),
	    cmocka_unit_test(test_empty_frames_and_spaces),
	    cmocka_unit_test(test_malformed_lines),
	    cmocka_unit_test(test_xml_escape),
	    cmocka_unit_test(test_svg),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
