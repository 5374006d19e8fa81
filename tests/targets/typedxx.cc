// A C++ program whose DWARF the typedb tests read: a class with virtual
// methods and a base class, a reference member, and a nested connection
// object holding a sockaddr_in. `typedxx layout` prints the offsets the
// compiler chose, which the tests compare with typedb; otherwise it calls
// Handler::handle once per line read on stdin.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cstdio>
#include <cstring>

namespace srv {

struct connection {
	int fd;
	sockaddr_in addr;
};

class Base {
public:
	virtual ~Base() {}
	virtual int kind() const { return 1; }
	int base_id = 7;
};

struct Stats {
	long hits = 0;
	long misses = 0;
};

class Handler : public Base, public Stats { // Stats lies at a non-zero offset
public:
	explicit Handler(connection &c) : conn(&c), ref(c) {}
	int kind() const override { return 2; }
	__attribute__((noinline)) int handle(int code, const char *msg);
	__attribute__((noinline)) int risky(int n); // throws for odd n
	connection *conn;
	connection &ref;
	long counter = 0;
};

int Handler::handle(int code, const char *msg)
{
	counter += code + (int)std::strlen(msg);
	hits++;
	return (int)counter + conn->fd + ref.fd;
}

int Handler::risky(int n)
{
	if (n % 2)
		throw n; // the return is never reached: a traced return probe sees a stale entry
	return n * 2;
}

} // namespace srv

#define FIELD(obj, f) (long)((const char *)&(obj).f - (const char *)&(obj))

int main(int argc, char **argv)
{
	srv::connection c{};
	srv::Handler h(c);
	char line[64];

	if (argc > 1 && !std::strcmp(argv[1], "layout")) {
		std::printf("sizeof.Handler %zu\n", sizeof(srv::Handler));
		std::printf("sizeof.connection %zu\n", sizeof(srv::connection));
		std::printf("Handler.base_id %ld\n", FIELD(h, base_id));
		std::printf("Handler.conn %ld\n", FIELD(h, conn));
		std::printf("Handler.misses %ld\n", FIELD(h, misses));
		std::printf("Handler.counter %ld\n", FIELD(h, counter));
		std::printf("connection.addr %ld\n", FIELD(c, addr));
		return 0;
	}
	c.fd = 4;
	c.addr.sin_family = AF_INET;
	c.addr.sin_port = htons(8080);
	inet_pton(AF_INET, "10.9.8.7", &c.addr.sin_addr); // traced as this->conn->addr.sin_addr
	int n = 0;
	while (std::fgets(line, sizeof(line), stdin)) {
		std::printf("%d %d\n", h.handle(1, line), h.kind());
		try {
			h.risky(++n);
		} catch (int thrown) {
			std::printf("caught %d\n", thrown);
		}
	}
	return 0;
}
