/* A C program whose DWARF types the typedb tests read (declarations in
 * typed.h). It calls handle_request once per line read on stdin, so probe
 * tests can also trace it; the Makefile builds it with -g, stripped with a
 * separate debug file (typed.stripped + typed.debug), and without -g
 * (typed.nodebug). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "typed.h"

static int on_request(struct request *r, int code)
{
	return r->v.s[0] + code;
}

__attribute__((noinline)) int handle_request(struct request *r, const char *host, int n)
{
	snprintf(r->hostname, sizeof(r->hostname), "%s", host);
	r->done = n > 0;
	return r->handler(r, n) + (int)r->name->len + r->flags.c;
}

int main(void)
{
	struct connection conn = {.fd = 3, .client_ip = "127.0.0.1"};
	struct request r = {
	    .method = "GET", .uri = "/index.html", .conn = &conn, .handler = on_request};
	tstring *name = calloc(1, sizeof(*name) + 8);
	char line[64];
	int n = 0;

	if (!name)
		return 1;
	name->len = 5;
	memcpy(name->val, "hello", 6);
	r.name = name;
	while (fgets(line, sizeof(line), stdin))
		printf("%d\n", handle_request(&r, "localhost", ++n));
	free(name);
	return 0;
}
