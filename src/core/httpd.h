/* The HTTP server of `--serve` and `bpfscope serve`, on libmicrohttpd.
 *
 * Design: one daemon with its own polling thread (MHD_USE_INTERNAL_POLLING_
 * THREAD); handlers run on that thread and must only read memory that the
 * event loop published (core/metrics, core/serve), never BPF maps or the
 * ring buffer. The server is read-only: GET and HEAD, anything else is 405.
 * With a token file, every path (the UI's assets too) needs
 * "Authorization: Bearer <token>", or "?token=<token>" for a browser opening
 * the UI: that answer sets an HttpOnly, SameSite=Strict cookie carrying the
 * token, which the page's assets and API calls then present; otherwise 401.
 * The token must only contain cookie-safe characters (checked on read).
 * The listening socket is made by core/endpoint, so "--serve 9100" and
 * "--serve :9100" bind 127.0.0.1, and port 0 picks a free port (printed). */
#ifndef BPFSCOPE_HTTPD_H
#define BPFSCOPE_HTTPD_H

#include <stdbool.h>
#include <stddef.h>

struct httpd_request {
	const char *path;
	void *conn; /* for httpd_arg */
};

struct httpd_response {
	int status;		  /* 200 when left 0 */
	const char *content_type; /* "text/plain; charset=utf-8" when NULL */
	char *body;		  /* malloc'ed, freed by the server */
	size_t len;
	const void *static_body; /* alternatively: not freed (embedded assets) */
};

/* Fills resp; returns 0, or < 0 for a 500. */
typedef int (*httpd_handler)(void *ctx, const struct httpd_request *req,
			     struct httpd_response *resp);

/* Registers a handler for path (exact match), or every path starting with
 * it when prefix is set. At most 32 routes; before httpd_start. */
int httpd_route(const char *path, bool prefix, httpd_handler fn, void *ctx);

/* Query argument of a request, NULL when absent. */
const char *httpd_arg(const struct httpd_request *req, const char *name);

/* "ADDR:PORT", "PORT" or ":PORT" -> "127.0.0.1:PORT" in buf. Returns -1 for
 * a malformed spec (nothing printed). */
int httpd_normalize_spec(const char *spec, char *buf, size_t len);

/* Starts serving; one error line (naming --serve) and < 0 on failure.
 * token_file may be NULL. Prints "bpfscope: serving http://ADDR:PORT/". */
int httpd_start(const char *spec, const char *token_file);
/* The bound port (after httpd_start), 0 when not serving. */
int httpd_port(void);
void httpd_stop(void);

/* Reads a bearer token file: first line, surrounding whitespace removed.
 * NULL after one error line when unreadable or empty. */
char *httpd_read_token(const char *path);

#endif
