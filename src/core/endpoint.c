/* See endpoint.h. */
#include "core/endpoint.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/log.h"

static int parse_unix(const char *path, struct endpoint *ep)
{
	struct sockaddr_un *sa = (struct sockaddr_un *)&ep->addr;

	if (!*path || strlen(path) >= sizeof(sa->sun_path))
		return -1;
	sa->sun_family = AF_UNIX;
	strcpy(sa->sun_path, path);
	ep->len = sizeof(*sa);
	return 0;
}

int endpoint_parse(const char *spec, struct endpoint *ep)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV},
			*res;
	const char *colon = strrchr(spec, ':');
	size_t hlen = colon ? (size_t)(colon - spec) : 0;
	char host[64], *end;
	long port;

	memset(ep, 0, sizeof(*ep));
	if (!strncmp(spec, "unix:", 5))
		return parse_unix(spec + 5, ep);
	if (!hlen || hlen >= sizeof(host) || !colon[1])
		return -1;
	port = strtol(colon + 1, &end, 10);
	if (*end || port < 1 || port > 65535)
		return -1;
	if (spec[0] == '[' && hlen > 2 && spec[hlen - 1] == ']')
		snprintf(host, sizeof(host), "%.*s", (int)hlen - 2, spec + 1);
	else if (spec[0] != '[' && !memchr(spec, ':', hlen))
		snprintf(host, sizeof(host), "%.*s", (int)hlen, spec);
	else
		return -1;
	if (getaddrinfo(host, colon + 1, &hints, &res))
		return -1;
	memcpy(&ep->addr, res->ai_addr, res->ai_addrlen);
	ep->len = res->ai_addrlen;
	ep->port = port;
	freeaddrinfo(res);
	return 0;
}

static int open_socket(const char *spec, const char *what, struct endpoint *ep, int listening)
{
	int fd, one = 1;

	if (endpoint_parse(spec, ep)) {
		log_error("%s: expected ADDR:PORT (numeric, [v6]:PORT) or unix:PATH, got '%s'",
			  what, spec);
		return -1;
	}
	fd = socket(ep->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && listening && ep->addr.ss_family != AF_UNIX)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || (listening ? bind(fd, (struct sockaddr *)&ep->addr, ep->len) || listen(fd, 16)
				 : connect(fd, (struct sockaddr *)&ep->addr, ep->len))) {
		log_error("%s: cannot %s %s: %s", what, listening ? "listen on" : "connect to",
			  spec, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

int endpoint_connect(const char *spec, const char *what, struct endpoint *ep)
{
	return open_socket(spec, what, ep, 0);
}

int endpoint_listen(const char *spec, const char *what)
{
	struct endpoint ep;

	return open_socket(spec, what, &ep, 1);
}
