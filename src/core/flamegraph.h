/* Flame graphs from folded stacks ("root;child;leaf COUNT", the format of
 * flamegraph.pl's stackcollapse scripts and of speedscope's import).
 *
 * Stacks are merged into a tree (one node per distinct path, children kept
 * sorted by name so output is deterministic and lookups are binary
 * searches). The tree prints back as merged folded lines or as one
 * self-contained interactive SVG: frames as <g> elements with a <title>
 * tooltip (name, count, percentage), and embedded JavaScript for
 * click-to-zoom, reset, and regex search that highlights matches and shows
 * the share of all samples they cover. No external file is referenced, so
 * the SVG opens in any browser from disk. Names are XML-escaped; bytes that
 * are not valid UTF-8 become '?', so the document stays well-formed whatever
 * a process calls itself. */
#ifndef BPFSCOPE_FLAMEGRAPH_H
#define BPFSCOPE_FLAMEGRAPH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct flame;

struct flame_svg_opts {
	const char *title; /* NULL: "Flame Graph" */
	const char *unit;  /* what counts count: "samples", "us", "bytes" */
	int width;	   /* pixels; 0: 1200 */
};

struct flame *flame__new(void);
/* Adds count to the path of frames separated by ';' (empty frames skipped). */
int flame__add(struct flame *f, const char *stack, uint64_t count);
/* Parses one folded line "a;b;c COUNT"; -EINVAL when malformed. */
int flame__add_line(struct flame *f, const char *line);
uint64_t flame__total(const struct flame *f);
/* Merged folded lines, one per path with samples of its own, sorted. */
void flame__write_folded(const struct flame *f, FILE *out);
int flame__write_svg(const struct flame *f, FILE *out, const struct flame_svg_opts *opts);
void flame__free(struct flame *f);

/* XML-escapes src into dst (always NUL-terminated when len > 0); returns the
 * length the whole escaped string needs, like snprintf. */
size_t xml_escape(char *dst, size_t len, const char *src);

#endif
