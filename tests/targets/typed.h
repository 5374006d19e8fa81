/* Types of the typed target, shared with tests/unit/test_typedb.c: the test
 * compiles the same declarations and compares offsetof/sizeof with what
 * typedb reads from the target's DWARF. */
#ifndef TYPED_H
#define TYPED_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

enum color { RED, GREEN = 5, NOCOLOR = -1 }; /* signed: has a negative value */
enum level { LOW, HIGH };		     /* unsigned */

/* PHP's zend_string: the text lives in a one-element trailing array. */
typedef struct tstring {
	uint32_t refcount;
	uint32_t type_info;
	uint64_t h;
	size_t len;
	char val[1];
} tstring;

struct flex {
	int n;
	char data[]; /* flexible array member */
};

struct flags {
	unsigned int a : 3;
	unsigned int b : 5;
	int c : 7;
	unsigned char d;
	unsigned long long e : 40;
	signed char f : 2;
};

union value {
	long l;
	double d;
	char s[8];
};

struct request;
typedef int (*handler_fn)(struct request *r, int code);

struct connection {
	int fd;
	char client_ip[46];
	struct sockaddr_in addr;
	uint8_t mac[6]; /* bytes, not text */
};

typedef struct request {
	const char *method;
	char *uri;
	struct connection *conn;
	struct connection embedded;
	union value v;
	struct {
		int x;
		union {
			short s;
			int i;
		};
	}; /* anonymous: x, s, i are members of struct request */
	enum color color;
	enum level level;
	struct flags flags;
	handler_fn handler;
	int matrix[3][4];
	_Bool done;
	const volatile unsigned short cv;
	tstring *name;
	struct flex *tail;
	char hostname[16];
} request_t;

int handle_request(struct request *r, const char *host, int n);

#endif
