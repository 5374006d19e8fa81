/* See httpd.h. */
#include "core/httpd.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/endpoint.h"
#include "core/log.h"

#define MAX_ROUTES 32

struct route {
	const char *path;
	bool prefix;
	httpd_handler fn;
	void *ctx;
};

static struct route routes[MAX_ROUTES];
static int nroutes;
static struct MHD_Daemon *daemon_handle;
static char *token;
static int listen_fd = -1, bound_port;

int httpd_route(const char *path, bool prefix, httpd_handler fn, void *ctx)
{
	for (int i = 0; i < nroutes; i++)
		if (!strcmp(routes[i].path, path) && routes[i].prefix == prefix) {
			routes[i].fn = fn;
			routes[i].ctx = ctx;
			return 0;
		}
	if (nroutes == MAX_ROUTES)
		return -E2BIG;
	routes[nroutes++] = (struct route){path, prefix, fn, ctx};
	return 0;
}

const char *httpd_arg(const struct httpd_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

static const struct route *find_route(const char *path)
{
	const struct route *best = NULL;

	for (int i = 0; i < nroutes; i++) {
		const struct route *r = &routes[i];

		if (!r->prefix && !strcmp(r->path, path))
			return r;
		if (r->prefix && !strncmp(r->path, path, strlen(r->path)) &&
		    (!best || strlen(r->path) > strlen(best->path)))
			best = r;
	}
	return best;
}

/* Compares all bytes whatever the first difference (no timing oracle). */
static bool token_equal(const char *given)
{
	size_t n = strlen(token), m = given ? strlen(given) : 0;
	unsigned char diff = n != m;

	for (size_t i = 0; i < n; i++)
		diff |= (unsigned char)token[i] ^ (unsigned char)(i < m ? given[i] : 0);
	return !diff;
}

enum auth { AUTH_NONE, AUTH_OK, AUTH_QUERY };

/* Header, cookie (set after a ?token= visit, so the page's own assets and
 * API calls pass), or the query argument. */
static enum auth authorized(struct MHD_Connection *conn)
{
	const char *auth, *arg, *cookie;

	if (!token)
		return AUTH_OK;
	auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	if (auth && !strncasecmp(auth, "Bearer ", 7) && token_equal(auth + 7))
		return AUTH_OK;
	cookie = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, "bpfscope_token");
	if (cookie && token_equal(cookie))
		return AUTH_OK;
	arg = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "token");
	return arg && token_equal(arg) ? AUTH_QUERY : AUTH_NONE;
}

static enum MHD_Result send_text(struct MHD_Connection *conn, unsigned status, const char *text,
				 const char *header, const char *value)
{
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	if (header)
		MHD_add_response_header(r, header, value);
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result send_response(struct MHD_Connection *conn, struct httpd_response *out,
				     bool set_cookie)
{
	char cookie[600];

	struct MHD_Response *r;
	enum MHD_Result ret;

	if (out->static_body)
		r = MHD_create_response_from_buffer(out->len, (void *)out->static_body,
						    MHD_RESPMEM_PERSISTENT);
	else
		r = MHD_create_response_from_buffer(out->len, out->body ? out->body : (char *)"",
						    out->body ? MHD_RESPMEM_MUST_FREE
							      : MHD_RESPMEM_PERSISTENT);
	if (!r) {
		free(out->body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				out->content_type ? out->content_type
						  : "text/plain; charset=utf-8");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (set_cookie) {
		snprintf(cookie, sizeof(cookie),
			 "bpfscope_token=%s; Path=/; HttpOnly; SameSite=Strict", token);
		MHD_add_response_header(r, MHD_HTTP_HEADER_SET_COOKIE, cookie);
	}
	ret = MHD_queue_response(conn, out->status ? out->status : MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **state)
{
	struct httpd_request req = {url, conn};
	struct httpd_response out = {0};
	const struct route *r;
	enum auth auth;

	(void)cls;
	(void)version;
	(void)upload;
	if (!*state) { /* first call: headers only; answer on the second */
		*state = (void *)1;
		return MHD_YES;
	}
	if (*upload_size) /* read-only: any body is refused below */
		*upload_size = 0;
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return send_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
				 "read-only: GET and HEAD only\n", MHD_HTTP_HEADER_ALLOW,
				 "GET, HEAD");
	auth = authorized(conn);
	if (auth == AUTH_NONE)
		return send_text(conn, MHD_HTTP_UNAUTHORIZED, "bearer token required\n",
				 MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"bpfscope\"");
	r = find_route(url);
	if (!r)
		return send_text(conn, MHD_HTTP_NOT_FOUND, "not found\n", NULL, NULL);
	if (r->fn(r->ctx, &req, &out) < 0) {
		free(out.body);
		return send_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal error\n", NULL,
				 NULL);
	}
	return send_response(conn, &out, auth == AUTH_QUERY);
}

int httpd_normalize_spec(const char *spec, char *buf, size_t len)
{
	const char *p = spec;

	if (*p == ':')
		p++;
	if (*p && strspn(p, "0123456789") == strlen(p)) {
		snprintf(buf, len, "127.0.0.1:%s", p);
		p = buf + strlen("127.0.0.1:");
	} else if (!strchr(spec, ':')) {
		return -1;
	} else {
		snprintf(buf, len, "%s", spec);
		p = strrchr(buf, ':') + 1;
	}
	return *p && strspn(p, "0123456789") == strlen(p) && atol(p) <= 65535 ? 0 : -1;
}

/* Port 0 (any free port) is not an endpoint_parse port: parse with 1. */
static int make_listener(const char *spec)
{
	char norm[128], probe[140];
	struct endpoint ep;
	bool any_port;
	int fd, one = 1;

	if (httpd_normalize_spec(spec, norm, sizeof(norm)))
		goto bad;
	any_port = !strcmp(strrchr(norm, ':'), ":0");
	snprintf(probe, sizeof(probe), "%.*s%s", (int)(strrchr(norm, ':') - norm), norm,
		 any_port ? ":1" : strrchr(norm, ':'));
	if (endpoint_parse(probe, &ep) || ep.addr.ss_family == AF_UNIX)
		goto bad;
	if (any_port)
		((struct sockaddr_in *)&ep.addr)->sin_port = 0; /* same offset in sockaddr_in6 */
	fd = socket(ep.addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&ep.addr, ep.len) || listen(fd, 64)) {
		log_error("--serve: cannot listen on %s: %s", norm, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
bad:
	log_error("--serve: expected [ADDR:]PORT (numeric address, [v6]:PORT), got '%s'", spec);
	return -1;
}

static int bound_address(int fd, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[INET6_ADDRSTRLEN];
	int port;

	if (getsockname(fd, (struct sockaddr *)&ss, &sl))
		return -1;
	if (ss.ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, host, sizeof(host));
		port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
		snprintf(buf, len, "[%s]:%d", host, port);
	} else {
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host, sizeof(host));
		port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		snprintf(buf, len, "%s:%d", host, port);
	}
	return port;
}

char *httpd_read_token(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[512] = "", *start = line, *end;

	if (!f) {
		log_error("--token-file: cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	if (!fgets(line, sizeof(line), f))
		line[0] = 0;
	fclose(f);
	while (isspace((unsigned char)*start))
		start++;
	end = start + strlen(start);
	while (end > start && isspace((unsigned char)end[-1]))
		*--end = 0;
	if (!*start) {
		log_error("--token-file: %s holds no token", path);
		return NULL;
	}
	/* printable, no quote, separator or percent: safe in a header, a cookie
	 * and a URL without encoding */
	for (char *c = start; *c; c++)
		if (*c <= ' ' || *c > '~' || strchr("\"',;\\%&+#?", *c)) {
			log_error("--token-file: the token in %s may only hold letters, digits and "
				  "-._~!$()*/:=@[]^`{|}",
				  path);
			return NULL;
		}
	return strdup(start);
}

int httpd_start(const char *spec, const char *token_file)
{
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ERROR_LOG;
	char where[96];

	if (token_file && !(token = httpd_read_token(token_file)))
		return -EINVAL;
	listen_fd = make_listener(spec);
	if (listen_fd < 0)
		return -EINVAL;
	bound_port = bound_address(listen_fd, where, sizeof(where));
	if (strchr(where, '['))
		flags |= MHD_USE_IPv6;
	daemon_handle = MHD_start_daemon(
	    flags, 0, NULL, NULL, on_request, NULL, MHD_OPTION_LISTEN_SOCKET, listen_fd,
	    MHD_OPTION_CONNECTION_LIMIT, 64u, MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
	if (!daemon_handle) {
		log_error("--serve: cannot start the HTTP server on %s", where);
		close(listen_fd);
		listen_fd = -1;
		return -EIO;
	}
	fprintf(stderr, "bpfscope: serving http://%s/\n", where);
	return 0;
}

int httpd_port(void)
{
	return daemon_handle ? bound_port : 0;
}

void httpd_stop(void)
{
	if (daemon_handle)
		MHD_stop_daemon(daemon_handle); /* closes the listening socket too */
	daemon_handle = NULL;
	listen_fd = -1;
	bound_port = 0;
	free(token);
	token = NULL;
}
