/* Shared by the wire protocol parser tests: the operations a parser
 * completed, in order (nops counts past MAX_OPS so overflows show). */
#ifndef BPFSCOPE_TEST_WIRE_COLLECT_H
#define BPFSCOPE_TEST_WIRE_COLLECT_H

#include "core/wireop.h"

#define MAX_OPS 16

static struct wire_op ops[MAX_OPS];
static int nops;

static void collect(void *ctx, const struct wire_op *op)
{
	(void)ctx;
	if (nops < MAX_OPS)
		ops[nops] = *op;
	nops++;
}

#endif
