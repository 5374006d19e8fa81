/* Printing what a record file says per request kind, shared by `report` and
 * `predict`: the summary line (requests, grouping, sampling, losses), the
 * duration table, child calls per request by probe, and per peer the calls,
 * round trips, connects, bytes and time per request. Text tables or JSON
 * lines ("type" says which), milliseconds throughout. Kinds are listed most
 * frequent first. */
#ifndef BPFSCOPE_REQREPORT_H
#define BPFSCOPE_REQREPORT_H

#include <stdio.h>

#include "core/dist.h"
#include "core/options.h"
#include "tools/spanfile.h"

struct json_object;

struct reqreport {
	const struct spanfile *sf;
	const char *path;
	enum out_format format;
	FILE *out;
	size_t *order;	   /* kind indexes, most requests first */
	struct dist *base; /* recorded durations per kind */
	struct dist base_all;
	int kind_width; /* text: width of the KIND column */
};

/* Loads the record file at path and prepares the per-kind summaries; 0, or
 * -1 after one error line (unreadable file, no requests, no memory). */
int reqreport_open(struct reqreport *rr, const char *path, const struct spanfile_opts *o,
		   enum out_format format, FILE *out);
void reqreport_close(struct reqreport *rr);

void reqreport_summary(const struct reqreport *rr);
void reqreport_durations(const struct reqreport *rr);
void reqreport_children(const struct reqreport *rr);
void reqreport_peers(const struct reqreport *rr);

/* Text: the duration columns of one row; JSON: {"count":..,"mean_ms":..}. */
void reqreport_dist_text(const struct reqreport *rr, const struct dist *d);
struct json_object *reqreport_dist_json(const struct dist *d);
/* A JSON number in milliseconds with microsecond precision. */
struct json_object *reqreport_ms(double ns);
/* A JSON number with three decimals (counts per request, shares). */
struct json_object *reqreport_num(double v);

#endif
