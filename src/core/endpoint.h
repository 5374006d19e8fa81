/* Stream endpoints given on the command line: "10.0.0.1:9000",
 * "[fd00::1]:9000" or "unix:/path". Numeric addresses only (no DNS at run
 * time: an agent on a broken host must not hang in a resolver). Used by
 * `net --export` (connect) and `collect --listen` (listen). */
#ifndef BPFSCOPE_ENDPOINT_H
#define BPFSCOPE_ENDPOINT_H

#include <stdint.h>
#include <sys/socket.h>

struct endpoint {
	struct sockaddr_storage addr;
	socklen_t len;
	uint16_t port; /* 0 for unix sockets */
};

/* 0, or -1 when spec is malformed (nothing printed). */
int endpoint_parse(const char *spec, struct endpoint *ep);
/* Connected / listening stream socket; one error line naming what (e.g.
 * "--export") and -1 on failure. */
int endpoint_connect(const char *spec, const char *what, struct endpoint *ep);
int endpoint_listen(const char *spec, const char *what);

#endif
