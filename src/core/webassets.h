/* The web UI's files (web/), embedded in the binary at build time with the
 * assembler's .incbin (no generator, no build step): the UI works offline
 * and the binary stays one file. */
#ifndef BPFSCOPE_WEBASSETS_H
#define BPFSCOPE_WEBASSETS_H

#include <stddef.h>

struct web_asset {
	const char *path; /* "/index.html" */
	const char *content_type;
	const unsigned char *data;
	size_t len;
};

/* NULL when no asset has this path. */
const struct web_asset *web_asset_find(const char *path);

#endif
