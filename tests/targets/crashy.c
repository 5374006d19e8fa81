/* Crash flight recorder target (tests/integ/crash.sh), built with -O2
 * -fomit-frame-pointer (Makefile): records go through three levels of
 * functions, process_record -> parse_record -> checksum_payload (the leaf).
 *
 *   crashy records K   after K records, one gets a corrupted length and the
 *                      leaf reads far past its buffer: SIGSEGV
 *   crashy assert K    after K records, an assertion fails: abort(), SIGABRT
 *   crashy threads K   three workers; worker 1 corrupts its record K: SIGSEGV
 *   crashy call K      record K's handler pointer is NULL: a call to address 0
 *   crashy fast        crashes at once, before anyone can read its maps
 *   crashy ok N        processes N records, prints their checksums, exits 0
 *
 * All modes but fast first wait for a line on stdin (tests start the
 * tracer, then release the target). */
#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct record {
	unsigned id;
	unsigned long len; /* bytes used in data */
	unsigned char data[64];
};

#define NOINLINE __attribute__((noinline, noclone))

volatile unsigned long sink;

/* The leaf: sums len bytes of the payload (trusts len). */
NOINLINE unsigned long checksum_payload(const unsigned char *p, unsigned long len)
{
	unsigned long sum = 0;

	for (unsigned long i = 0; i < len; i += 4096)
		sum += p[i] * 31 + i;
	sum += p[len - 1];
	return sum;
}

NOINLINE unsigned long parse_record(const struct record *r)
{
	unsigned long sum = checksum_payload(r->data, r->len);

	sink = sum; /* a use after the call: no tail call, the frame stays */
	return sum ^ r->id;
}

NOINLINE unsigned long process_record(struct record *r)
{
	unsigned long v = parse_record(r);

	assert(r->len <= sizeof(r->data));
	sink += v;
	return v + 1;
}

/* Calls the record's handler: a corrupted (NULL) one jumps to address 0. */
NOINLINE unsigned long dispatch_record(struct record *r, unsigned long (*handler)(struct record *))
{
	unsigned long v = handler(r);

	sink += v;
	return v;
}

static void fill(struct record *r, unsigned id)
{
	r->id = id;
	r->len = 16 + id % 48;
	for (unsigned i = 0; i < sizeof(r->data); i++)
		r->data[i] = (unsigned char)(id + i);
}

/* Processes records; record number bad gets a corrupted length. */
static unsigned long run_records(unsigned n, unsigned bad, unsigned long corrupt)
{
	struct record r;
	unsigned long total = 0;

	for (unsigned i = 0; i < n; i++) {
		fill(&r, i);
		if (i == bad)
			r.len = corrupt;
		total += process_record(&r);
	}
	return total;
}

static void *worker(void *arg)
{
	long idx = (long)arg;

	if (idx == 1) {
		usleep(300000); /* the other workers have events by then */
		run_records(1000000, 40, 0x40000000000UL);
	}
	for (int i = 0; i < 200; i++) {
		run_records(5, ~0u, 0);
		usleep(10000);
	}
	return NULL;
}

static void wait_go(void)
{
	char line[16];

	if (!fgets(line, sizeof(line), stdin))
		return;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "records";
	unsigned k = argc > 2 ? (unsigned)atoi(argv[2]) : 100;

	if (!strcmp(mode, "fast")) {
		run_records(3, 2, 0x40000000000UL);
		return 1;
	}
	wait_go();
	if (!strcmp(mode, "records")) {
		run_records(k + 1000, k, 0x40000000000UL);
	} else if (!strcmp(mode, "assert")) {
		run_records(k + 1000, k, 100); /* past data[64]: the assertion fails */
	} else if (!strcmp(mode, "call")) {
		struct record r;
		unsigned long (*volatile handler)(struct record *) = process_record;

		for (unsigned i = 0; i <= k; i++) {
			fill(&r, i);
			if (i == k)
				handler = NULL;
			dispatch_record(&r, handler);
		}
	} else if (!strcmp(mode, "threads")) {
		pthread_t t[3];

		for (long i = 0; i < 3; i++)
			pthread_create(&t[i], NULL, worker, (void *)i);
		for (int i = 0; i < 3; i++)
			pthread_join(t[i], NULL);
	} else if (!strcmp(mode, "ok")) {
		struct record r;

		for (unsigned i = 0; i < k; i++) {
			fill(&r, i);
			printf("record %u len %lu sum %lu\n", i, r.len, process_record(&r));
		}
		return 0;
	}
	return 1;
}
