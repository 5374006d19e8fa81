/* libFuzzer target: entry-probe relocation's prologue analysis
 * (src/probe/prologue.h) over arbitrary function bytes, as read from any
 * binary. It must never read past the buffer (ASan), and a plan it accepts
 * must be coherent: the new site inside the bytes, after at least one
 * instruction, the stack pointer at or below its entry value, registers in
 * range, stack slots below the entry stack pointer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probe/prologue.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct prologue_plan plan;
	uint8_t *code = malloc(size ? size : 1); /* exact size: overreads are caught */

	if (!code)
		return 0;
	memcpy(code, data, size);
	prologue_analyze(code, size, &plan);
	if (!memchr(plan.why, 0, sizeof(plan.why)))
		abort();
	if (plan.relocated) {
		if (!plan.offset || plan.offset >= size || plan.sp_delta < 0 || !plan.nskipped ||
		    plan.nskipped > PROLOGUE_MAX_INSNS)
			abort();
		for (int a = 0; a < PROLOGUE_ARGS; a++)
			if ((plan.args[a].kind == ARGLOC_REG && plan.args[a].reg >= 16) ||
			    /* a slot lies in the frame: below the entry %rsp (it may be in
			     * the red zone, below the current one) */
			    (plan.args[a].kind == ARGLOC_STACK &&
			     plan.args[a].sp_off - plan.sp_delta > -8))
				abort();
	}
	free(code);
	return 0;
}
