/* See webassets.h. Each file becomes a symbol pair <name>_start/_end in
 * .rodata; paths are relative to the repository root, where make runs (the
 * Makefile makes this object depend on web/). */
#include "core/webassets.h"

#include <string.h>

#define EMBED(sym, file)                                                                           \
	__asm__(".section .rodata\n.global " #sym "_start\n.global " #sym "_end\n"                 \
		".balign 16\n" #sym "_start:\n.incbin \"" file "\"\n" #sym "_end:\n.byte 0\n"      \
		".previous\n");                                                                    \
	extern const unsigned char sym##_start[], sym##_end[]

EMBED(web_index_html, "web/index.html");
EMBED(web_app_js, "web/app.js");
EMBED(web_app_css, "web/app.css");

#define ASSET(path, type, sym)                                                                     \
	{                                                                                          \
		path, type, sym##_start, 0                                                         \
	}

static struct web_asset assets[] = {
    ASSET("/index.html", "text/html; charset=utf-8", web_index_html),
    ASSET("/app.js", "text/javascript; charset=utf-8", web_app_js),
    ASSET("/app.css", "text/css; charset=utf-8", web_app_css),
};

static const unsigned char *const ends[] = {web_index_html_end, web_app_js_end, web_app_css_end};

const struct web_asset *web_asset_find(const char *path)
{
	for (size_t i = 0; i < sizeof(assets) / sizeof(assets[0]); i++) {
		assets[i].len = (size_t)(ends[i] - assets[i].data);
		if (!strcmp(assets[i].path, path))
			return &assets[i];
	}
	return NULL;
}
