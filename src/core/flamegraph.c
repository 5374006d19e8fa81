#include "core/flamegraph.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct node {
	char *name;
	uint64_t total; /* this frame and everything above it */
	uint64_t self;	/* samples whose leaf is this frame */
	struct node **kids;
	size_t nkids, cap;
};

struct flame {
	struct node root;
};

struct flame *flame__new(void)
{
	return calloc(1, sizeof(struct flame));
}

/* Binary search among the sorted children; *pos receives the insert point. */
static struct node *find_kid(const struct node *n, const char *name, size_t len, size_t *pos)
{
	size_t lo = 0, hi = n->nkids;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strncmp(n->kids[mid]->name, name, len);

		if (!c && n->kids[mid]->name[len])
			c = 1;
		if (!c)
			return n->kids[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*pos = lo;
	return NULL;
}

static struct node *child(struct node *n, const char *name, size_t len)
{
	struct node *kid;
	size_t pos = 0;

	if ((kid = find_kid(n, name, len, &pos)))
		return kid;
	if (n->nkids == n->cap) {
		size_t cap = n->cap ? n->cap * 2 : 4;
		struct node **v = realloc(n->kids, cap * sizeof(*v));

		if (!v)
			return NULL;
		n->kids = v;
		n->cap = cap;
	}
	kid = calloc(1, sizeof(*kid));
	if (!kid || !(kid->name = strndup(name, len))) {
		free(kid);
		return NULL;
	}
	memmove(n->kids + pos + 1, n->kids + pos, (n->nkids - pos) * sizeof(*n->kids));
	n->kids[pos] = kid;
	n->nkids++;
	return kid;
}

int flame__add(struct flame *f, const char *stack, uint64_t count)
{
	struct node *n = &f->root;

	n->total += count;
	while (*stack) {
		size_t len = strcspn(stack, ";");

		if (len) {
			if (!(n = child(n, stack, len)))
				return -ENOMEM;
			n->total += count;
		}
		stack += len + (stack[len] == ';');
	}
	n->self += count;
	return 0;
}

int flame__add_line(struct flame *f, const char *line)
{
	const char *sp = strrchr(line, ' ');
	char *end, *stack;
	uint64_t count;
	int err;

	if (!sp || sp == line || sp[1] < '0' || sp[1] > '9')
		return -EINVAL;
	errno = 0;
	count = strtoull(sp + 1, &end, 10);
	if (errno || (*end && *end != '\n'))
		return -EINVAL;
	if (!(stack = strndup(line, sp - line)))
		return -ENOMEM;
	err = flame__add(f, stack, count);
	free(stack);
	return err;
}

uint64_t flame__total(const struct flame *f)
{
	return f->root.total;
}

struct path {
	char *buf;
	size_t len, cap;
};

static void folded_walk(const struct node *n, struct path *p, FILE *out)
{
	size_t saved = p->len, need = p->len + strlen(n->name) + 2;

	if (need > p->cap) {
		char *b = realloc(p->buf, need * 2);

		if (!b)
			return;
		p->buf = b;
		p->cap = need * 2;
	}
	p->len += sprintf(p->buf + p->len, "%s%s", p->len ? ";" : "", n->name);
	if (n->self)
		fprintf(out, "%s %" PRIu64 "\n", p->buf, n->self);
	for (size_t i = 0; i < n->nkids; i++)
		folded_walk(n->kids[i], p, out);
	p->len = saved;
	p->buf[saved] = 0;
}

void flame__write_folded(const struct flame *f, FILE *out)
{
	struct path p = {0};

	for (size_t i = 0; i < f->root.nkids; i++)
		folded_walk(f->root.kids[i], &p, out);
	free(p.buf);
}

static void node_free(struct node *n)
{
	for (size_t i = 0; i < n->nkids; i++) {
		node_free(n->kids[i]);
		free(n->kids[i]);
	}
	free(n->kids);
	free(n->name);
}

void flame__free(struct flame *f)
{
	if (!f)
		return;
	node_free(&f->root);
	free(f);
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when invalid. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;

	if (s[0] >= 0xf5)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

size_t xml_escape(char *dst, size_t len, const char *src)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t used = 0;

	while (*s) {
		char one[2] = {(char)*s, 0};
		const char *rep = one;
		size_t n = 1;

		switch (*s) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&apos;"; break;
		default:
			if (*s < 0x20 && *s != '\t')
				one[0] = '?';
			else if (*s >= 0x80 && !(n = utf8_len(s))) {
				one[0] = '?';
				n = 1;
			}
		}
		if (rep == one && n > 1) {
			for (size_t i = 0; i < n; i++, used++)
				if (used + 1 < len)
					dst[used] = (char)s[i];
		} else {
			for (const char *r = rep; *r; r++, used++)
				if (used + 1 < len)
					dst[used] = *r;
		}
		s += n;
	}
	if (len)
		dst[used < len ? used : len - 1] = 0;
	return used;
}

/* ---- SVG ---- */

#define FRAME_H	   16
#define PAD_X	   10
#define PAD_TOP	   50
#define PAD_BOTTOM 30
#define CHAR_W	   7.0
#define MIN_W	   0.1 /* pixels: narrower frames are not drawn */

struct svg {
	FILE *out;
	double inner_w; /* pixels for all samples */
	double total;
	int height;
	const char *unit;
};

static int depth_of(const struct node *n)
{
	int max = 0;

	for (size_t i = 0; i < n->nkids; i++) {
		int d = depth_of(n->kids[i]);

		if (d > max)
			max = d;
	}
	return max + 1;
}

/* FNV-1a: the same name gets the same colour in every graph. */
static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static void frame_colour(const char *name, char *buf, size_t len)
{
	uint32_t h = name_hash(name);
	size_t n = strlen(name);

	if (n > 4 && !strcmp(name + n - 4, "_[k]")) /* kernel: orange */
		snprintf(buf, len, "rgb(%u,%u,%u)", 220 + h % 35, 110 + (h >> 8) % 70,
			 30 + (h >> 16) % 30);
	else if (!strcmp(name, "[unknown]"))
		snprintf(buf, len, "rgb(180,180,180)");
	else /* user: red to yellow */
		snprintf(buf, len, "rgb(%u,%u,%u)", 205 + h % 50, (h >> 8) % 230, (h >> 16) % 55);
}

/* Writes the escaped name; when max_chars >= 0, truncated with "..". */
static void put_escaped(FILE *out, const char *name, int max_chars)
{
	size_t n = strlen(name);
	char *raw = strdup(name), *esc;

	if (!raw)
		return;
	if (max_chars >= 0 && n > (size_t)max_chars) {
		if (max_chars < 3) {
			free(raw);
			return;
		}
		snprintf(raw + max_chars - 2, 3, "..");
	}
	n = xml_escape(NULL, 0, raw);
	esc = malloc(n + 1);
	if (esc) {
		xml_escape(esc, n + 1, raw);
		fputs(esc, out);
	}
	free(esc);
	free(raw);
}

static void svg_frame(struct svg *s, const struct node *n, const char *name, double fx, int depth)
{
	double fw = n->total / s->total, x = PAD_X + fx * s->inner_w, w = fw * s->inner_w;
	int y = s->height - PAD_BOTTOM - (depth + 1) * FRAME_H;
	char colour[32];

	frame_colour(name, colour, sizeof(colour));
	fprintf(s->out, "<g class=\"f\" data-fx=\"%.9f\" data-fw=\"%.9f\" data-d=\"%d\" data-n=\"",
		fx, fw, depth);
	put_escaped(s->out, name, -1);
	fprintf(s->out, "\">\n<title>");
	put_escaped(s->out, name, -1);
	fprintf(s->out, " (%" PRIu64 " %s, %.2f%%)</title>", n->total, s->unit, 100.0 * fw);
	fprintf(s->out,
		"<rect x=\"%.2f\" y=\"%d\" width=\"%.2f\" height=\"%d\" fill=\"%s\" rx=\"2\"/>", x,
		y, w, FRAME_H - 1, colour);
	fprintf(s->out, "<text x=\"%.2f\" y=\"%d\">", x + 3, y + FRAME_H - 4);
	put_escaped(s->out, name, (int)((w - 3) / CHAR_W));
	fprintf(s->out, "</text>\n</g>\n");
}

static void svg_walk(struct svg *s, const struct node *n, double fx, int depth)
{
	for (size_t i = 0; i < n->nkids; i++) {
		const struct node *kid = n->kids[i];

		if (kid->total / s->total * s->inner_w >= MIN_W) {
			svg_frame(s, kid, kid->name, fx, depth);
			svg_walk(s, kid, fx, depth + 1);
		}
		fx += kid->total / s->total;
	}
}

static const char svg_script[] =
    "var frames, details, matched, XPAD = 10, INNER, CW = 7;\n"
    "function num(g, a) { return parseFloat(g.getAttribute('data-' + a)); }\n"
    "function init() {\n"
    "  INNER = parseFloat(document.documentElement.getAttribute('width')) - 2 * XPAD;\n"
    "  frames = Array.prototype.slice.call(document.querySelectorAll('g.f'));\n"
    "  details = document.getElementById('details');\n"
    "  matched = document.getElementById('matched');\n"
    "  frames.forEach(function (g) {\n"
    "    g.addEventListener('click', function () { zoom(g); });\n"
    "    g.addEventListener('mouseover', function () {\n"
    "      details.textContent = g.querySelector('title').textContent; });\n"
    "    g.addEventListener('mouseout', function () { details.textContent = ' '; });\n"
    "  });\n"
    "  document.getElementById('reset').addEventListener('click', reset);\n"
    "  document.getElementById('search').addEventListener('click', ask);\n"
    "  document.addEventListener('keydown', function (e) {\n"
    "    if (e.key === 'Escape') { reset(); search(''); }\n"
    "    else if ((e.ctrlKey || e.metaKey) && e.key === 'f') { e.preventDefault(); ask(); }\n"
    "  });\n"
    "}\n"
    "function place(g, x, w) {\n"
    "  var r = g.querySelector('rect'), t = g.querySelector('text'), n = "
    "g.getAttribute('data-n');\n"
    "  var chars = Math.floor((w - 3) / CW);\n"
    "  r.setAttribute('x', x.toFixed(2)); r.setAttribute('width', w.toFixed(2));\n"
    "  t.setAttribute('x', (x + 3).toFixed(2));\n"
    "  t.textContent = chars < 3 ? '' : n.length > chars ? n.substring(0, chars - 2) + '..' : n;\n"
    "}\n"
    "function zoom(z) {\n"
    "  var fx0 = num(z, 'fx'), fw0 = num(z, 'fw'), d0 = num(z, 'd'), eps = 1e-9;\n"
    "  document.getElementById('reset').style.opacity = 1;\n"
    "  frames.forEach(function (g) {\n"
    "    var fx = num(g, 'fx'), fw = num(g, 'fw'), d = num(g, 'd');\n"
    "    g.style.display = ''; g.classList.remove('parent');\n"
    "    if (d < d0 && fx <= fx0 + eps && fx + fw >= fx0 + fw0 - eps) {\n"
    "      g.classList.add('parent'); place(g, XPAD, INNER);\n"
    "    } else if (d >= d0 && fx >= fx0 - eps && fx + fw <= fx0 + fw0 + eps && fw / fw0 * INNER "
    ">= 0.1) {\n"
    "      place(g, XPAD + (fx - fx0) / fw0 * INNER, fw / fw0 * INNER);\n"
    "    } else g.style.display = 'none';\n"
    "  });\n"
    "}\n"
    "function reset() {\n"
    "  frames.forEach(function (g) {\n"
    "    g.style.display = ''; g.classList.remove('parent');\n"
    "    place(g, XPAD + num(g, 'fx') * INNER, num(g, 'fw') * INNER);\n"
    "  });\n"
    "  document.getElementById('reset').style.opacity = 0.1;\n"
    "}\n"
    "function ask() {\n"
    "  var term = prompt('Search (regular expression):', '');\n"
    "  if (term !== null) search(term);\n"
    "}\n"
    "function search(term) {\n"
    "  var re, hits = [], covered = 0, end = -1;\n"
    "  frames.forEach(function (g) {\n"
    "    var r = g.querySelector('rect');\n"
    "    if (r.hasAttribute('data-c')) { r.setAttribute('fill', r.getAttribute('data-c')); "
    "r.removeAttribute('data-c'); }\n"
    "  });\n"
    "  matched.textContent = '';\n"
    "  if (!term) return;\n"
    "  try { re = new RegExp(term); } catch (e) { matched.textContent = 'bad regex'; return; }\n"
    "  frames.forEach(function (g) {\n"
    "    if (!re.test(g.getAttribute('data-n'))) return;\n"
    "    var r = g.querySelector('rect');\n"
    "    r.setAttribute('data-c', r.getAttribute('fill')); r.setAttribute('fill', "
    "'rgb(230,0,230)');\n"
    "    hits.push([num(g, 'fx'), num(g, 'fw')]);\n"
    "  });\n"
    "  /* nested matches count once: merge the intervals */\n"
    "  hits.sort(function (a, b) { return a[0] - b[0] || b[1] - a[1]; });\n"
    "  hits.forEach(function (h) {\n"
    "    var lo = Math.max(h[0], end), hi = h[0] + h[1];\n"
    "    if (hi > lo) { covered += hi - lo; end = hi; }\n"
    "  });\n"
    "  matched.textContent = 'Matched: ' + (100 * covered).toFixed(1) + '%';\n"
    "}\n";

static void svg_header(struct svg *s, int width, const char *title)
{
	FILE *out = s->out;

	fprintf(out,
		"<?xml version=\"1.0\" standalone=\"no\"?>\n"
		"<svg version=\"1.1\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
		"onload=\"init()\" xmlns=\"http://www.w3.org/2000/svg\">\n",
		width, s->height, width, s->height);
	fprintf(out, "<style>text{font-family:Verdana,sans-serif;font-size:12px;fill:#000}"
		     "g.f{cursor:pointer}g.f:hover rect{stroke:#000;stroke-width:0.5}"
		     "g.parent{opacity:0.6}#title{font-size:17px;text-anchor:middle}"
		     "#reset,#search{cursor:pointer}</style>\n");
	fprintf(out, "<script type=\"text/ecmascript\"><![CDATA[\n%s]]></script>\n", svg_script);
	fprintf(out, "<rect x=\"0\" y=\"0\" width=\"100%%\" height=\"100%%\" fill=\"#f8f8f0\"/>\n");
	fprintf(out, "<text id=\"title\" x=\"%d\" y=\"24\">", width / 2);
	put_escaped(out, title, -1);
	fprintf(out,
		"</text>\n<text id=\"reset\" x=\"%d\" y=\"24\" style=\"opacity:0.1\">Reset Zoom"
		"</text>\n<text id=\"search\" x=\"%d\" y=\"24\">Search</text>\n",
		PAD_X, width - PAD_X - 60);
	fprintf(out, "<text id=\"details\" x=\"%d\" y=\"%d\"> </text>\n", PAD_X, s->height - 10);
	fprintf(out, "<text id=\"matched\" x=\"%d\" y=\"%d\"></text>\n", width - PAD_X - 120,
		s->height - 10);
}

int flame__write_svg(const struct flame *f, FILE *out, const struct flame_svg_opts *opts)
{
	int width = opts && opts->width > 0 ? opts->width : 1200;
	struct svg s = {
	    .out = out,
	    .inner_w = width - 2 * PAD_X,
	    .total = f->root.total ? (double)f->root.total : 1,
	    .unit = opts && opts->unit ? opts->unit : "samples",
	};

	s.height = PAD_TOP + depth_of(&f->root) * FRAME_H + PAD_BOTTOM;
	svg_header(&s, width, opts && opts->title ? opts->title : "Flame Graph");
	svg_frame(&s, &f->root, "all", 0, 0);
	svg_walk(&s, &f->root, 0, 1);
	fprintf(out, "</svg>\n");
	return ferror(out) ? -EIO : 0;
}
