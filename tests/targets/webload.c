/* Load client for tests/targets/websvc.c: sends REQUESTS requests over
 * CONCURRENCY keep-alive connections to 127.0.0.1:PORT, with a fixed mix of
 * request kinds (weights home:item:search:static[:login], default 3:4:2:1:0), and
 * prints what the client measured, per kind:
 *
 *   KIND      COUNT  MEAN_MS   P50_MS   P90_MS
 *   home         60    2.341    2.210    3.120
 *   ...
 *   errors 0
 *
 * The sequence of kinds and parameters depends only on the request index,
 * so two runs send the same requests. Every socket read has a 10 s timeout.
 *   webload PORT REQUESTS CONCURRENCY [H:I:S:T[:L]] */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum kind { HOME, ITEM, SEARCH, STATIC, LOGIN, NKINDS };
static const char *const kind_names[NKINDS] = {"home", "item", "search", "static", "login"};

#define MAX_REQUESTS 100000
#define MAX_CYCLE    64

static int port, nrequests;
static enum kind cycle[MAX_CYCLE];
static int cycle_len;
static atomic_int next_index, errors;
static double latency_ms[MAX_REQUESTS];
static enum kind kinds[MAX_REQUESTS];

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Interleaves the kinds by weight: 3:4:2:1 -> home item search static home
 * item search home item item. */
static int build_cycle(const char *mix)
{
	int w[NKINDS] = {0}, left[NKINDS];
	int given = sscanf(mix, "%d:%d:%d:%d:%d", &w[0], &w[1], &w[2], &w[3], &w[4]);

	if (given != 4 && given != 5)
		return -1;
	cycle_len = 0;
	for (int k = 0; k < NKINDS; k++) {
		if (w[k] < 0 || (cycle_len += w[k]) > MAX_CYCLE)
			return -1;
		left[k] = w[k];
	}
	for (int n = 0; n < cycle_len;)
		for (int k = 0; k < NKINDS; k++)
			if (left[k]-- > 0)
				cycle[n++] = (enum kind)k;
	return cycle_len > 0 ? 0 : -1;
}

static int connect_server(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	struct timeval tv = {10, 0};
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

/* Reads one response (head + Content-Length body); 0 on success. */
static int read_response(int fd)
{
	char buf[4096];
	size_t have = 0;
	char *end, *cl;
	long body;

	while (!(end = memmem(buf, have, "\r\n\r\n", 4))) {
		ssize_t n =
		    have < sizeof(buf) - 1 ? read(fd, buf + have, sizeof(buf) - 1 - have) : -1;

		if (n <= 0)
			return -1;
		have += (size_t)n;
	}
	buf[have] = '\0';
	cl = strcasestr(buf, "\r\nContent-Length:");
	if (!cl || strncmp(buf, "HTTP/1.1 200", 12))
		return -1;
	body = strtol(cl + 17, NULL, 10) - (long)(have - (size_t)(end + 4 - buf));
	while (body > 0) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n <= 0)
			return -1;
		body -= n;
	}
	return 0;
}

static int format_request(int i, char *out, size_t len)
{
	enum kind k = cycle[i % cycle_len];

	kinds[i] = k;
	switch (k) {
	case HOME: return snprintf(out, len, "GET /home HTTP/1.1\r\nHost: websvc\r\n\r\n");
	case ITEM:
		return snprintf(out, len, "GET /item?id=%d HTTP/1.1\r\nHost: websvc\r\n\r\n",
				i % 100);
	case SEARCH:
		return snprintf(out, len, "GET /search?q=w%d HTTP/1.1\r\nHost: websvc\r\n\r\n",
				i % 50);
	case LOGIN:
		return snprintf(out, len, "GET /login?user=%d HTTP/1.1\r\nHost: websvc\r\n\r\n",
				i % 10);
	default:
		return snprintf(
		    out, len, "GET /static/logo.png?v=%d HTTP/1.1\r\nHost: websvc\r\n\r\n", i % 5);
	}
}

static void *client(void *arg)
{
	int fd = connect_server(), i;
	char req[256];

	(void)arg;
	while ((i = atomic_fetch_add(&next_index, 1)) < nrequests) {
		int n = format_request(i, req, sizeof(req));
		double t0 = now_ms();

		if (fd < 0 || write(fd, req, (size_t)n) != n || read_response(fd)) {
			atomic_fetch_add(&errors, 1);
			latency_ms[i] = -1;
			if (fd >= 0)
				close(fd);
			fd = connect_server();
			continue;
		}
		latency_ms[i] = now_ms() - t0;
	}
	if (fd >= 0)
		close(fd);
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Linear interpolation between the closest ranks. */
static double percentile(const double *sorted, int n, double p)
{
	double rank = p / 100 * (n - 1);
	int lo = (int)rank;

	return lo + 1 < n ? sorted[lo] + (rank - lo) * (sorted[lo + 1] - sorted[lo]) : sorted[lo];
}

static void print_kind(const char *name, enum kind want, int all)
{
	static double v[MAX_REQUESTS];
	double sum = 0;
	int n = 0;

	for (int i = 0; i < nrequests; i++)
		if (latency_ms[i] >= 0 && (all || kinds[i] == want))
			sum += v[n++] = latency_ms[i];
	if (!n)
		return;
	qsort(v, (size_t)n, sizeof(v[0]), cmp_double);
	printf("%-8s %6d %8.3f %8.3f %8.3f\n", name, n, sum / n, percentile(v, n, 50),
	       percentile(v, n, 90));
}

int main(int argc, char **argv)
{
	pthread_t threads[64];
	int conc;

	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: webload PORT REQUESTS CONCURRENCY [H:I:S:T[:L]]\n");
		return 2;
	}
	port = atoi(argv[1]);
	nrequests = atoi(argv[2]);
	conc = atoi(argv[3]);
	if (nrequests < 1 || nrequests > MAX_REQUESTS || conc < 1 || conc > 64 ||
	    build_cycle(argc == 5 ? argv[4] : "3:4:2:1")) {
		fprintf(stderr, "webload: REQUESTS 1..%d, CONCURRENCY 1..64, mix H:I:S:T[:L]\n",
			MAX_REQUESTS);
		return 2;
	}
	for (int t = 0; t < conc; t++)
		pthread_create(&threads[t], NULL, client, NULL);
	for (int t = 0; t < conc; t++)
		pthread_join(threads[t], NULL);
	printf("%-8s %6s %8s %8s %8s\n", "KIND", "COUNT", "MEAN_MS", "P50_MS", "P90_MS");
	for (int k = 0; k < NKINDS; k++)
		print_kind(kind_names[k], (enum kind)k, 0);
	print_kind("all", HOME, 1);
	printf("errors %d\n", atomic_load(&errors));
	return atomic_load(&errors) ? 1 : 0;
}
