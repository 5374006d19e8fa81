/* A request-serving program for the span tests (tests/integ/spans.sh,
 * record.sh): real TCP I/O on 127.0.0.1 with a known number of calls and
 * round trips per request kind.
 *
 * It starts its own line echo server on an ephemeral port (a thread: its
 * I/O is outside every request) and prints "port N"; then it waits for a
 * line on stdin and runs ROUNDS times each request kind through
 * handle_request(), the root:
 *   /get   cache_get() x3 on one persistent connection: each sends one
 *          line and reads its echo (1 round trip, 2 socket calls each)
 *   /mget  cache_mget(): 3 lines sent with 3 write()s, then all the echoes
 *          read back (1 round trip)
 *   /db    db_query() connects a new socket (reconnect per request),
 *          db_exec() (nested in db_query) sends and reads one line
 *          (1 round trip), then db_query closes the socket
 *   /serve serve_one() accepts one connection that a helper thread makes
 *          to a second listener, reads its line, answers, closes
 * EXTRAS (third argument) may name "v6": one more request, /v6, makes one
 * round trip to an echo server on [::1] (its port printed as "port6 N"),
 * "held": a thread enters handle_request (/held) before the gate and stays
 * in it until the gate opens, so a tracer attached meanwhile sees its return
 * without its entry;
 * "threads": 4 threads then run ROUNDS times /get and /mget each, at the
 * same time, on their own connections; and "chaos": three more requests
 * follow: /longjmp
 * leaves handle_request through longjmp from inside cache_get (neither
 * returns), /exit runs in a thread that calls pthread_exit inside
 * cache_get's caller after one cache_get, and a last normal /get.
 *   spans_target ROUNDS [PAUSE_US [EXTRAS]]   (PAUSE_US: sleep between requests) */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct request {
	const char *path;
	int id;
};

static int echo_port, serve_fd, serve_port, echo6_port, rounds;
static __thread int cache_fd; /* each thread its own persistent connection */
static int held_pipe[2];
static jmp_buf bail_out;

static int listen_any(int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 16) ||
	    getsockname(fd, (struct sockaddr *)&a, &len))
		exit(2);
	*port = ntohs(a.sin_port);
	return fd;
}

/* An echo listener on [::1]; -1 without IPv6. */
static int listen6(int *port)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET6, SOCK_STREAM, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 4) ||
	    getsockname(fd, (struct sockaddr *)&a, &len))
		return -1;
	*port = ntohs(a.sin6_port);
	return fd;
}

static int connect_to(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (connect(fd, (struct sockaddr *)&a, sizeof(a)))
		exit(3);
	return fd;
}

static void *echo_conn(void *arg)
{
	int fd = (int)(long)arg;
	char buf[512];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (write(fd, buf, n) != n)
			break;
	close(fd);
	return NULL;
}

static void *echo_server(void *arg)
{
	int lfd = (int)(long)arg;

	for (;;) {
		int fd = accept(lfd, NULL, NULL);
		pthread_t t;

		if (fd < 0)
			return NULL;
		pthread_create(&t, NULL, echo_conn, (void *)(long)fd);
		pthread_detach(t);
	}
}

/* Reads exactly len bytes. */
static void read_full(int fd, char *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);

		if (n <= 0)
			exit(4);
		got += n;
	}
}

__attribute__((noinline)) int cache6_get(void)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons(echo6_port),
				  .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	int fd = socket(AF_INET6, SOCK_STREAM, 0);
	char back[8];

	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) || write(fd, "v6\n", 3) != 3)
		exit(9);
	read_full(fd, back, 3);
	close(fd);
	return 1;
}

__attribute__((noinline)) int cache_get(const char *key)
{
	char line[64], back[64];
	int len = snprintf(line, sizeof(line), "get %s\n", key);

	if (send(cache_fd, line, len, 0) != len)
		exit(5);
	read_full(cache_fd, back, len);
	return back[0] == 'g';
}

__attribute__((noinline)) int cache_mget(int n)
{
	char line[64], back[256];
	int len = 0;

	for (int i = 0; i < n; i++) {
		len = snprintf(line, sizeof(line), "get k%d\n", i);
		if (write(cache_fd, line, len) != len)
			exit(5);
	}
	read_full(cache_fd, back, (size_t)(len * n));
	return n;
}

__attribute__((noinline)) int db_exec(int fd, const char *sql)
{
	char back[128];
	int len = (int)strlen(sql);

	if (write(fd, sql, len) != len)
		exit(6);
	read_full(fd, back, len);
	return 1;
}

__attribute__((noinline)) int db_query(const char *sql)
{
	int fd = connect_to(echo_port), rows = db_exec(fd, sql);

	close(fd);
	return rows;
}

static void *serve_client(void *arg)
{
	int fd = connect_to(serve_port);
	char buf[8];

	(void)arg;
	if (write(fd, "hello\n", 6) != 6)
		exit(7);
	read_full(fd, buf, 3);
	close(fd);
	return NULL;
}

__attribute__((noinline)) int serve_one(void)
{
	int fd = accept(serve_fd, NULL, NULL);
	char buf[8];

	read_full(fd, buf, 6);
	if (write(fd, "ok\n", 3) != 3)
		exit(8);
	close(fd);
	return 1;
}

__attribute__((noinline)) int handle_request(struct request *r)
{
	pthread_t t;
	int done = 0;

	if (!strcmp(r->path, "/get")) {
		done += cache_get("user");
		done += cache_get("cart");
		done += cache_get("prefs");
	} else if (!strcmp(r->path, "/mget")) {
		done += cache_mget(3);
	} else if (!strcmp(r->path, "/db")) {
		done += db_query("select 1;\n");
	} else if (!strcmp(r->path, "/held")) {
		char c;

		done += read(held_pipe[0], &c, 1) == 1;
	} else if (!strcmp(r->path, "/v6")) {
		done += cache6_get();
	} else if (!strcmp(r->path, "/longjmp")) {
		done += cache_get("jump");
		longjmp(bail_out, 1);
	} else if (!strcmp(r->path, "/exit")) {
		done += cache_get("exit");
		pthread_exit(NULL);
	} else if (!strcmp(r->path, "/serve")) {
		pthread_create(&t, NULL, serve_client, NULL);
		done += serve_one();
		pthread_join(t, NULL);
	}
	return done;
}

static void *worker(void *arg)
{
	struct request get = { "/get", 0 }, mget = { "/mget", 0 };

	(void)arg;
	cache_fd = connect_to(echo_port);
	for (int r = 0; r < rounds; r++) {
		handle_request(&get);
		handle_request(&mget);
	}
	close(cache_fd);
	return NULL;
}

static void *held_request(void *arg)
{
	handle_request(arg);
	return NULL;
}

static void *exit_request(void *arg)
{
	cache_fd = connect_to(echo_port);
	handle_request(arg);
	return NULL;
}

/* Requests that never return: longjmp out of one, a thread exiting in one. */
static void chaos(int id)
{
	struct request jump = { "/longjmp", id }, leave = { "/exit", id + 1 }, get = { "/get", id + 2 };
	pthread_t t;

	if (!setjmp(bail_out))
		handle_request(&jump);
	pthread_create(&t, NULL, exit_request, &leave);
	pthread_join(t, NULL);
	handle_request(&get);
}

int main(int argc, char **argv)
{
	static const char *const paths[] = { "/get", "/mget", "/db", "/serve" };
	int lfd = listen_any(&echo_port), id = 0;
	int pause_us = argc > 2 ? atoi(argv[2]) : 0;
	const char *extras = argc > 3 ? argv[3] : "";
	pthread_t t, workers[4], held;
	struct request held_req = { "/held", -1 };
	char go[16];
	int lfd6 = strstr(extras, "v6") ? listen6(&echo6_port) : -1;

	rounds = argc > 1 ? atoi(argv[1]) : 1;
	serve_fd = listen_any(&serve_port);
	pthread_create(&t, NULL, echo_server, (void *)(long)lfd);
	if (lfd6 >= 0)
		pthread_create(&t, NULL, echo_server, (void *)(long)lfd6);
	cache_fd = connect_to(echo_port);
	if (strstr(extras, "held") && (pipe(held_pipe) ||
					    pthread_create(&held, NULL, held_request, &held_req)))
		return 2;
	printf("port %d\nport6 %d\n", echo_port, echo6_port);
	fflush(stdout);
	if (!fgets(go, sizeof(go), stdin))
		return 1;
	if (strstr(extras, "held")) {
		if (write(held_pipe[1], "x", 1) != 1)
			return 2;
		pthread_join(held, NULL);
	}
	for (int r = 0; r < rounds; r++)
		for (int k = 0; k < 4; k++) {
			struct request req = { paths[k], id++ };

			handle_request(&req);
			if (pause_us)
				usleep(pause_us);
		}
	if (lfd6 >= 0) {
		struct request v6 = { "/v6", id++ };

		handle_request(&v6);
	}
	if (strstr(extras, "threads")) {
		for (int i = 0; i < 4; i++)
			pthread_create(&workers[i], NULL, worker, NULL);
		for (int i = 0; i < 4; i++)
			pthread_join(workers[i], NULL);
		id += 4 * 2 * rounds;
	}
	if (strstr(extras, "chaos"))
		chaos(id);
	printf("served %d\n", id);
	return 0;
}
