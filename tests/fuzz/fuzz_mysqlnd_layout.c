/* libFuzzer target: the analysis of a mysqlnd.so (version strings, exported
 * method tables, their dynamic relocations, the statement setter call) by
 * `bpfscope mysqlnd` (src/tools/mysqlnd_layout.c, src/core/elfreloc.c).
 * The input is the library file; the seed is a small stand-in that passes
 * the whole analysis (tests/fuzz/mysqlnd_seed.c). A file that is not a
 * known mysqlnd must be refused with an error, never crash; one that is
 * accepted must give methods inside its segments. */
#include <stdint.h>
#include <stdlib.h>

#include "core/log.h"
#include "fuzz_memfile.h"
#include "tools/mysqlnd_layout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mysqlnd_lib lib;
	uint64_t off;

	log_verbosity = -1; /* a refused file logs one error line per run */
	if (mysqlnd_lib_open(memfile_put(data, size), NULL, &lib))
		return 0;
	if (!lib.build || mysqlnd_lib_offset(&lib, lib.query, &off) ||
	    mysqlnd_lib_offset(&lib, lib.prepare, &off) ||
	    mysqlnd_lib_offset(&lib, lib.execute, &off))
		abort();
	return 0;
}
