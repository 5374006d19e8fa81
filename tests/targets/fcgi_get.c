/* A minimal FastCGI client for tests/integ/php.sh: sends one request to
 * php-fpm on a unix socket and prints the response body (headers included).
 *
 *   fcgi_get SOCKET SCRIPT_FILENAME METHOD REQUEST_URI
 *
 * Exit status 0 when php-fpm ended the request normally. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

enum { BEGIN_REQUEST = 1, END_REQUEST = 3, PARAMS = 4, STDIN_ = 5, STDOUT_ = 6, STDERR_ = 7 };

static int send_record(int fd, int type, const void *data, uint16_t len)
{
	unsigned char hdr[8] = {1, type, 0, 1, len >> 8, len & 0xff, 0, 0};

	if (write(fd, hdr, 8) != 8)
		return -1;
	return len && write(fd, data, len) != len ? -1 : 0;
}

/* Appends one name-value pair (both shorter than 128 bytes). */
static size_t add_param(unsigned char *buf, size_t used, const char *name, const char *value)
{
	size_t n = strlen(name), v = strlen(value);

	if (n > 127 || v > 127 || used + 2 + n + v > 4096)
		exit(2);
	buf[used++] = n;
	buf[used++] = v;
	memcpy(buf + used, name, n);
	memcpy(buf + used + n, value, v);
	return used + n + v;
}

static int read_full(int fd, unsigned char *buf, size_t len)
{
	for (size_t got = 0; got < len;) {
		ssize_t n = read(fd, buf + got, len - got);

		if (n <= 0)
			return -1;
		got += n;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const unsigned char begin[8] = {0, 1 /* responder */, 0};
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	unsigned char params[4096], hdr[8], body[65536 + 256];
	const char *query;
	size_t used = 0;
	int fd;

	if (argc != 5)
		return 2;
	query = strchr(argv[4], '?');
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[1]);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		return perror("connect"), 1;
	used = add_param(params, used, "SCRIPT_FILENAME", argv[2]);
	used = add_param(params, used, "REQUEST_METHOD", argv[3]);
	used = add_param(params, used, "REQUEST_URI", argv[4]);
	used = add_param(params, used, "QUERY_STRING", query ? query + 1 : "");
	/* what a web server sends: the path part of the URI */
	snprintf((char *)body, 128, "%.*s", query ? (int)(query - argv[4]) : 127, argv[4]);
	used = add_param(params, used, "SCRIPT_NAME", (char *)body);
	used = add_param(params, used, "SERVER_PROTOCOL", "HTTP/1.1");
	if (send_record(fd, BEGIN_REQUEST, begin, 8) || send_record(fd, PARAMS, params, used) ||
	    send_record(fd, PARAMS, NULL, 0) || send_record(fd, STDIN_, NULL, 0))
		return perror("write"), 1;
	while (!read_full(fd, hdr, 8)) {
		size_t len = (hdr[4] << 8 | hdr[5]) + hdr[6];

		if (read_full(fd, body, len))
			break;
		if (hdr[1] == STDOUT_ || hdr[1] == STDERR_)
			fwrite(body, 1, len - hdr[6], hdr[1] == STDOUT_ ? stdout : stderr);
		if (hdr[1] == END_REQUEST)
			return 0;
	}
	return 1;
}
