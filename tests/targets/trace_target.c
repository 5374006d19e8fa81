/* A program for trace tests: functions with known arguments, nested
 * structs, strings, a flexible array member (like PHP's zend_string), a
 * recursion, a longjmp that skips returns, and threads. Each mode runs a
 * fixed number of calls, so tests can assert exact counts and values.
 *   trace_target wait N   - waits for a line on stdin, then N rounds
 *   trace_target loop S   - calls cache_fetch for S seconds, prints the count
 * Every function is noinline and externally visible for uprobes. */
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>

struct connection {
	int fd;
	struct sockaddr_in addr;
	const char *client_ip;
};

struct request {
	int id;
	const char *method;
	const char *the_request;
	char hostname[32];
	struct connection *connection;
	unsigned flags : 3;
	unsigned priority : 5;
};

struct zstring {
	unsigned refcount;
	size_t len;
	char val[1];
};

#define NOINLINE __attribute__((noinline, used))

volatile long sink;

NOINLINE int process_request(struct request *r, long size)
{
	sink += r->id + size;
	return r->id % 3 == 0 ? 0 : 200;
}

NOINLINE long cache_fetch(struct zstring *key, long ttl)
{
	sink += (long)key->len + ttl;
	return key->len % 2; /* even lengths "miss" (0): "session:10" */
}

NOINLINE long recurse(int depth)
{
	if (depth <= 0)
		return 0;
	return 1 + recurse(depth - 1);
}

static jmp_buf escape;

NOINLINE void leaf_jump(int n)
{
	if (n == 0)
		longjmp(escape, 1);
	sink += n;
}

NOINLINE long jumpy(int n)
{
	leaf_jump(n);
	return n;
}

NOINLINE long seven_args(long a, long b, long c, long d, long e, long f, long g)
{
	sink += g; /* a side effect keeps the call */
	return a + b + c + d + e + f + g;
}

/* For raw-address tracing in the stripped copy: pointer + length. */
NOINLINE long send_bytes(int fd, const char *buf, long len)
{
	sink += fd + buf[0] + len;
	return len;
}

static struct zstring *zstr(const char *s)
{
	struct zstring *z = malloc(sizeof(*z) + strlen(s));

	z->refcount = 1;
	z->len = strlen(s);
	memcpy(z->val, s, z->len + 1);
	return z;
}

static void *worker(void *arg)
{
	long n = (long)arg;

	for (long i = 0; i < n; i++)
		recurse(2);
	return NULL;
}

static void one_round(int i, struct connection *conn)
{
	static const char *methods[] = { "GET", "POST", "GET", "PUT" };
	struct request r = { .id = i, .method = methods[i % 4], .connection = conn,
			     .flags = 5, .priority = 17 };
	char line[64];
	struct zstring *key = zstr(i % 2 ? "user:42" : "session:10");

	snprintf(line, sizeof(line), "%s /item/%d HTTP/1.1", r.method, i);
	r.the_request = line;
	snprintf(r.hostname, sizeof(r.hostname), "host%d.example", i);
	process_request(&r, 100 + i);
	cache_fetch(key, 30);
	free(key);
	recurse(3);
	if (!setjmp(escape))
		jumpy(i % 2); /* odd i: returns normally; even: longjmp skips returns */
	seven_args(1, 2, 3, 4, 5, 6, 70 + i);
	send_bytes(3, "payload-bytes-XYZ", 7); /* only "payload" is sent */
}

/* "loop S": calls cache_fetch for S seconds, then prints how many times */
static int loop_for(double seconds)
{
	struct zstring *key = zstr("session:10");
	struct timespec start, now;
	long calls = 0;

	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		for (int i = 0; i < 1000; i++, calls++)
			cache_fetch(key, i);
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (now.tv_sec - start.tv_sec + (now.tv_nsec - start.tv_nsec) / 1e9 < seconds);
	free(key);
	printf("calls %ld\n", calls);
	return 0;
}

int main(int argc, char **argv)
{
	int rounds = argc > 2 ? atoi(argv[2]) : 10;
	struct connection conn = { .fd = 7, .client_ip = "192.0.2.7" };
	pthread_t t;
	char go[16];

	conn.addr.sin_family = AF_INET;
	conn.addr.sin_port = htons(8080);
	inet_pton(AF_INET, "10.1.2.3", &conn.addr.sin_addr);
	if (argc > 2 && !strcmp(argv[1], "loop"))
		return loop_for(atof(argv[2]));
	if (argc > 1 && !strcmp(argv[1], "wait") && !fgets(go, sizeof(go), stdin))
		return 1;
	for (int i = 0; i < rounds; i++)
		one_round(i, &conn);
	pthread_create(&t, NULL, worker, (void *)(long)rounds);
	pthread_join(t, NULL);
	printf("done %d\n", rounds);
	return 0;
}
