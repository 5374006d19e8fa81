/* A small web service of the kind bpfscope's record/report/predict are for:
 * an HTTP/1.1 server (keep-alive) whose request handler calls a real
 * memcached through libmemcached and a real MariaDB through libmariadb, over
 * persistent TCP connections on 127.0.0.1. Each request kind makes a fixed,
 * known number of calls, so tests can check what bpfscope counts:
 *
 *   GET /home            4 memcached_get + 1 memcached_mget (8 keys) + 1 query
 *   GET /item?id=N       1 memcached_get + 1 memcached_set + 1 query
 *   GET /search?q=WORD  10 memcached_get (sequential) + 2 queries
 *   GET /static/...      none
 *   GET /login?user=N    1 memcached_get on a new connection (connect, get,
 *                        close: the "persistent" connection that is not)
 *
 * Memcached round trips per request: home 5, item 2, search 10, static 0,
 * login 1 plus its connect; MariaDB round trips: home 1, item 1, search 2,
 * static 0, login 0.
 *
 * handle_request(struct request *req) is the function to take as the root
 * span: req->line is the request line ("GET /item?id=3 HTTP/1.1"), req->path
 * the target ("/item?id=3"). It is not inlined and the binary has -g.
 *
 *   websvc PORT MC_PORT DB_PORT WORKERS SECONDS
 *
 * WORKERS 0: one process serves connections one after another; N > 0: the
 * parent pre-forks N workers that accept on the shared socket. Before
 * listening it fills the cache and a table websvc_items in database
 * `bpfscope` (MariaDB user root, empty password, over TCP), then prints
 * "listening PORT". Everything ends after SECONDS (workers die with the
 * parent). */
#define _GNU_SOURCE
#include <errno.h>
#include <libmemcached/memcached.h>
#include <mariadb/mysql.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define NITEMS	    100
#define MGET_KEYS   8
#define SEARCH_GETS 10

struct backends {
	memcached_st *mc;
	MYSQL *db;
};

struct request {
	char line[256]; /* request line, without CRLF */
	char method[8];
	char path[200]; /* request target, query string included */
	int keep_alive;
	struct backends *be;
	char body[512]; /* response body */
	int status;
};

static int mc_port, db_port;

static void die(const char *what, const char *detail)
{
	fprintf(stderr, "websvc: %s: %s\n", what, detail);
	exit(1);
}

static memcached_st *cache_open(void)
{
	memcached_st *mc = memcached_create(NULL);

	if (!mc || memcached_server_add(mc, "127.0.0.1", (in_port_t)mc_port))
		die("memcached", "cannot create client");
	/* small commands leave at once: no Nagle wait behind a delayed ACK */
	memcached_behavior_set(mc, MEMCACHED_BEHAVIOR_TCP_NODELAY, 1);
	return mc;
}

static void backends_open(struct backends *be)
{
	be->mc = cache_open(); /* connects on first use, then stays connected */
	be->db = mysql_init(NULL);
	if (!be->db || !mysql_real_connect(be->db, "127.0.0.1", "root", "", "bpfscope",
					   (unsigned)db_port, NULL, 0))
		die("mariadb", be->db ? mysql_error(be->db) : "out of memory");
}

static int db_query(struct backends *be, const char *sql, char *out, size_t outlen)
{
	MYSQL_RES *res;
	MYSQL_ROW row;

	if (mysql_real_query(be->db, sql, strlen(sql)))
		return -1;
	res = mysql_store_result(be->db);
	if (!res)
		return mysql_field_count(be->db) ? -1 : 0;
	row = mysql_fetch_row(res);
	if (row && row[0] && out)
		snprintf(out, outlen, "%s", row[0]);
	mysql_free_result(res);
	return 0;
}

static int cache_get(struct backends *be, const char *key, char *out, size_t outlen)
{
	memcached_return_t rc;
	size_t len;
	uint32_t flags;
	char *v = memcached_get(be->mc, key, strlen(key), &len, &flags, &rc);

	if (!v)
		return -1;
	snprintf(out, outlen, "%.*s", (int)len, v);
	free(v);
	return 0;
}

static int cache_set(struct backends *be, const char *key, const char *value)
{
	return memcached_set(be->mc, key, strlen(key), value, strlen(value), 0, 0) ==
		       MEMCACHED_SUCCESS
		   ? 0
		   : -1;
}

/* One round trip for all keys; returns how many values came back. */
static int cache_mget(struct backends *be, const char *const *keys, int n)
{
	size_t lens[MGET_KEYS];
	memcached_result_st *res;
	memcached_return_t rc;
	int got = 0;

	for (int i = 0; i < n; i++)
		lens[i] = strlen(keys[i]);
	if (memcached_mget(be->mc, keys, lens, (size_t)n) != MEMCACHED_SUCCESS)
		return -1;
	while ((res = memcached_fetch_result(be->mc, NULL, &rc))) {
		got++;
		memcached_result_free(res);
	}
	return got;
}

static const char *query_param(const char *path, const char *name)
{
	const char *q = strchr(path, '?');
	size_t n = strlen(name);

	while (q) {
		q++;
		if (!strncmp(q, name, n) && q[n] == '=')
			return q + n + 1;
		q = strchr(q, '&');
	}
	return "";
}

static unsigned word_hash(const char *s)
{
	unsigned h = 5381;

	while (*s && *s != '&' && *s != ' ')
		h = h * 33 + (unsigned char)*s++;
	return h;
}

static void page_home(struct request *req)
{
	static const char *const fixed[] = {"session:1", "user:1", "config:site", "banner:0"};
	char keybuf[MGET_KEYS][16], v[64], total[32] = "?";
	const char *keys[MGET_KEYS];
	int hits = 0, got;

	for (int i = 0; i < 4; i++)
		hits += cache_get(req->be, fixed[i], v, sizeof(v)) == 0;
	for (int i = 0; i < MGET_KEYS; i++) {
		snprintf(keybuf[i], sizeof(keybuf[i]), "item:%d", i * 7 % NITEMS);
		keys[i] = keybuf[i];
	}
	got = cache_mget(req->be, keys, MGET_KEYS);
	db_query(req->be, "SELECT SUM(price) FROM websvc_items", total, sizeof(total));
	snprintf(req->body, sizeof(req->body), "home: %d/4 cached, %d/%d featured, total %s\n",
		 hits, got, MGET_KEYS, total);
}

static void page_item(struct request *req)
{
	int id = atoi(query_param(req->path, "id")) % NITEMS;
	char key[32], v[64] = "", sql[128], price[32] = "?";

	if (id < 0)
		id = -id;
	snprintf(key, sizeof(key), "item:%d", id);
	cache_get(req->be, key, v, sizeof(v));
	snprintf(sql, sizeof(sql), "SELECT price FROM websvc_items WHERE id = %d", id);
	db_query(req->be, sql, price, sizeof(price));
	cache_set(req->be, "recent:1", key);
	snprintf(req->body, sizeof(req->body), "item %d: %s, price %s\n", id, v, price);
}

static void page_search(struct request *req)
{
	unsigned h = word_hash(query_param(req->path, "q"));
	char key[32], v[64], count[32] = "?", sql[160];
	int hits = 0;

	for (int i = 0; i < SEARCH_GETS; i++) {
		snprintf(key, sizeof(key), "term:%u", (h + (unsigned)i) % NITEMS);
		hits += cache_get(req->be, key, v, sizeof(v)) == 0;
	}
	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM websvc_items WHERE price > %u", h % 1000);
	db_query(req->be, sql, count, sizeof(count));
	snprintf(sql, sizeof(sql), "SELECT name FROM websvc_items WHERE id = %u", h % NITEMS);
	db_query(req->be, sql, v, sizeof(v));
	snprintf(req->body, sizeof(req->body), "search: %d/%d terms cached, %s matches, top %s\n",
		 hits, SEARCH_GETS, count, v);
}

/* A session check written the wrong way: a new client (and TCP connection)
 * per request. */
static void page_login(struct request *req)
{
	struct backends fresh = {.mc = cache_open(), .db = req->be->db};
	char v[64];
	int found = cache_get(&fresh, "session:1", v, sizeof(v)) == 0;

	memcached_free(fresh.mc);
	snprintf(req->body, sizeof(req->body), "login %s: session %s\n",
		 query_param(req->path, "user"), found ? "found" : "missing");
}

/* The request handler: the root span of every request. */
__attribute__((noinline)) int handle_request(struct request *req)
{
	req->status = 200;
	if (!strcmp(req->path, "/home"))
		page_home(req);
	else if (!strncmp(req->path, "/item?", 6))
		page_item(req);
	else if (!strncmp(req->path, "/search?", 8))
		page_search(req);
	else if (!strncmp(req->path, "/login?", 7))
		page_login(req);
	else if (!strncmp(req->path, "/static/", 8))
		snprintf(req->body, sizeof(req->body), "static %s\n", req->path + 8);
	else {
		req->status = 404;
		snprintf(req->body, sizeof(req->body), "not found\n");
	}
	return req->status;
}

/* Reads one request head from fd (buf keeps what follows it). 0 at EOF. */
static int read_head(int fd, char *buf, size_t cap, size_t *have, size_t *head_len)
{
	char *end;

	while (!(end = memmem(buf, *have, "\r\n\r\n", 4))) {
		ssize_t n;

		if (*have == cap)
			return -1;
		n = read(fd, buf + *have, cap - *have);
		if (n <= 0)
			return n == 0 && *have == 0 ? 0 : -1;
		*have += (size_t)n;
	}
	*head_len = (size_t)(end - buf) + 4;
	return 1;
}

static int parse_head(const char *head, struct request *req)
{
	const char *eol = strstr(head, "\r\n");
	char version[16] = "";

	snprintf(req->line, sizeof(req->line), "%.*s", (int)(eol - head), head);
	if (sscanf(req->line, "%7s %199s %15s", req->method, req->path, version) != 3)
		return -1;
	req->keep_alive = strcmp(version, "HTTP/1.0") != 0;
	if (strcasestr(head, "\r\nConnection: close"))
		req->keep_alive = 0;
	return 0;
}

static void serve_connection(int fd, struct backends *be)
{
	char buf[4096], out[1024];
	size_t have = 0, head_len;
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	while (read_head(fd, buf, sizeof(buf) - 1, &have, &head_len) > 0) {
		struct request req = {.be = be};
		int n;

		buf[head_len - 1] = '\0';
		if (parse_head(buf, &req))
			break;
		handle_request(&req);
		n = snprintf(out, sizeof(out),
			     "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
			     "Connection: %s\r\n\r\n%s",
			     req.status, req.status == 200 ? "OK" : "Not Found", strlen(req.body),
			     req.keep_alive ? "keep-alive" : "close", req.body);
		if (write(fd, out, (size_t)n) != n || !req.keep_alive)
			break;
		memmove(buf, buf + head_len, have - head_len);
		have -= head_len;
	}
	close(fd);
}

static void serve(int lfd)
{
	struct backends be;

	backends_open(&be);
	for (;;) {
		int fd = accept(lfd, NULL, NULL);

		if (fd >= 0)
			serve_connection(fd, &be);
		else if (errno != EINTR)
			break;
	}
}

/* The table in one statement (one commit, one fsync: on a busy disk a
 * hundred of them took seconds), then the cache keys every page reads. */
static void fill_backends(void)
{
	static const char *const fixed[] = {"session:1", "user:1", "config:site", "banner:0"};
	struct backends be;
	char sql[NITEMS * 32 + 64], key[32], val[32];
	size_t len = (size_t)snprintf(sql, sizeof(sql), "REPLACE INTO websvc_items VALUES ");

	backends_open(&be);
	if (db_query(&be,
		     "CREATE TABLE IF NOT EXISTS websvc_items (id INT PRIMARY KEY,"
		     " name VARCHAR(64) NOT NULL, price INT NOT NULL)",
		     NULL, 0))
		die("mariadb", mysql_error(be.db));
	for (int i = 0; i < NITEMS; i++) {
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, "%s(%d, 'item-%d', %d)",
					i ? ", " : "", i, i, (i * 37) % 1000);
		snprintf(key, sizeof(key), "item:%d", i);
		snprintf(val, sizeof(val), "item-%d", i);
		if (cache_set(&be, key, val))
			die("memcached", "set failed");
		snprintf(key, sizeof(key), "term:%d", i);
		if (cache_set(&be, key, val))
			die("memcached", "set failed");
	}
	if (db_query(&be, sql, NULL, 0))
		die("mariadb", mysql_error(be.db));
	for (int i = 0; i < 4; i++)
		cache_set(&be, fixed[i], "x");
	memcached_free(be.mc);
	mysql_close(be.db);
}

static int listen_on(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 128))
		die("listen", strerror(errno));
	return fd;
}

int main(int argc, char **argv)
{
	int port, workers, seconds, lfd;

	if (argc != 6) {
		fprintf(stderr, "usage: websvc PORT MC_PORT DB_PORT WORKERS SECONDS\n");
		return 2;
	}
	port = atoi(argv[1]);
	mc_port = atoi(argv[2]);
	db_port = atoi(argv[3]);
	workers = atoi(argv[4]);
	seconds = atoi(argv[5]);
	if (workers < 0 || workers > 64 || seconds < 1)
		die("arguments", "WORKERS 0..64, SECONDS >= 1");
	signal(SIGPIPE, SIG_IGN);
	fill_backends();
	lfd = listen_on(port);
	alarm((unsigned)seconds); /* default action: the process ends */
	printf("listening %d\n", port);
	fflush(stdout);
	if (workers == 0) {
		serve(lfd);
		return 0;
	}
	for (int i = 0; i < workers; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() == 1)
				_exit(0);
			serve(lfd);
			_exit(0);
		}
	}
	while (wait(NULL) > 0 || errno == EINTR)
		;
	return 0;
}
