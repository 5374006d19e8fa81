/* Per-statement aggregates of `bpfscope wire --stats`: operations grouped
 * by protocol, command and normalized text (SQL without literals, see
 * core/sqlnorm.h; memcached ops by command alone), each with its count,
 * errors, rows, hits and misses and a log2 latency histogram. Printed
 * sorted by total time, as a table or JSON lines with the histogram. */
#ifndef BPFSCOPE_WIRE_STATS_H
#define BPFSCOPE_WIRE_STATS_H

#include <stdint.h>
#include <stdio.h>

#include "core/options.h"
#include "core/wireop.h"

struct wire_stat {
	char cmd[WIRE_CMD_MAX];
	char *text; /* normalized SQL; empty for memcached */
	enum wire_proto proto;
	uint64_t count, errors, rows, hits, misses;
	uint64_t total_ns, max_ns;
	uint64_t slots[64]; /* log2 usecs */
};

struct wire_stats;

struct wire_stats *wire_stats__new(void);
void wire_stats__add(struct wire_stats *s, const struct wire_op *op);
/* The groups sorted by total time (valid until the next add or clear). */
const struct wire_stat *const *wire_stats__sorted(struct wire_stats *s, int *n);
void wire_stats__print(struct wire_stats *s, FILE *f, enum out_format format, int text_len);
void wire_stats__clear(struct wire_stats *s);
void wire_stats__free(struct wire_stats *s);

#endif
