/* Triggers, user side: the clause syntax, its check against the session's
 * probes, and printing. The kernel evaluates them (src/bpf/trigger.bpf.h).
 *
 *   [trigger] rate(pX[, WINDOW]) > HIGH -> capture(pY, N) [rearm < LOW] [limit M]
 *
 * pX, pY: probes by position (p0 is the first probe given). WINDOW: the rate
 * is measured over windows of this length (100ms default; us, ms or s).
 * When the rate of pX exceeds HIGH calls/s, the next N events of pY are
 * captured (pY runs only then); the clause re-arms when the rate falls below
 * LOW (default HIGH), and fires at most M times (default: no limit). Given
 * with --trigger or as a line of a probe file starting with "trigger". */
#ifndef BPFSCOPE_PROBE_TRIGGER_H
#define BPFSCOPE_PROBE_TRIGGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "bpf/trigger.h"

struct trigger_clause {
	struct trigger cfg; /* configuration part filled */
	char text[200];
};

/* Parses one clause for a session of nprobes probes; -1 with one line in
 * err on bad input (with the column). */
int trigger_parse(const char *text, int nprobes, struct trigger_clause *out, char *err,
		  size_t errlen);

/* Takes the "trigger ..." lines out of a probe script (they become empty
 * lines), appending them (malloc'd) to lines[*n], at most max. Returns -1
 * when there are more than max. */
int trigger_extract_lines(char *script, char **lines, int max, int *n);

/* One line when a clause fires or re-arms (text or JSON). */
void trigger_print_notice(FILE *out, bool json, const struct trigger_clause *c,
			  const struct trigger_notice *n);
/* Exit accounting of a clause, from its kernel state. */
void trigger_print_accounting(FILE *out, int index, const struct trigger_clause *c,
			      const struct trigger *state);

#endif
