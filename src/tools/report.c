/* bpfscope report FILE: what a record file (bpfscope record -o FILE) says
 * per request kind: durations, child calls per probe, and per peer the
 * calls, round trips, connects, bytes and time per request. No BPF. */
#include "core/cmd.h"
#include "core/log.h"
#include "tools/reqreport.h"
#include "tools/spanfile.h"

static struct spanfile_opts load_opts;

static const struct opt_def options[] = {
    SPANFILE_OPTIONS(load_opts),
    {0},
};

static const struct cmd_spec spec = {
    .name = "report",
    .summary = "per request kind: durations, child calls and peers, from a record file",
    .args = "FILE",
    .details = "FILE is a record file (bpfscope record -o FILE, docs/record-schema.md).\n"
	       "Durations are of the root spans; children and peers count every span\n"
	       "of the request. WAIT_MS is the time per request spent in spans that\n"
	       "talked to the peer, SHARE that time over the request duration.",
    .opts = options,
    .common = COMMON_OUTPUT,
    .max_args = 1,
};

static int run(const struct common_opts *opts, int argc, char **argv)
{
	struct reqreport rr;

	if (argc != 1) {
		log_error("needs the record FILE");
		return 2;
	}
	if (reqreport_open(&rr, argv[0], &load_opts, opts->format, stdout))
		return 1;
	reqreport_summary(&rr);
	reqreport_durations(&rr);
	reqreport_children(&rr);
	reqreport_peers(&rr);
	reqreport_close(&rr);
	return 0;
}

static const struct command cmd_report = {.spec = &spec, .run = run};
REGISTER_COMMAND(cmd_report);
