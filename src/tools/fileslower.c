/* bpfscope fileslower: reads and writes slower than a threshold, with the
 * file's path. */
#include <stdio.h>
#include <string.h>

#include "bpf/fileslower.h"
#include "core/clock.h"
#include "core/fdpath.h"
#include "core/evtool.h"
#include "core/output.h"
#include "fileslower.skel.h"

static double min_ms = 10;
static bool all_files;

static const struct opt_def options[] = {
    {"min", 'm', OPT_DOUBLE, &min_ms, "MS",
     "show I/O slower than MS milliseconds (default 10; 0: all)", 0, 1e9},
    {"all-files", 'a', OPT_FLAG, &all_files, NULL,
     "include sockets, pipes, devices (default: regular files and FIFOs)"},
    {0},
};

static const struct cmd_spec spec = {
    .name = "fileslower",
    .summary =
	"trace slow reads and writes (read/write/pread64/pwrite64/readv/writev) with file path",
    .details = "Latency is syscall entry to exit. The path is read in the kernel from the\n"
	       "task's fd table while the fd is still installed.",
    .opts = options,
    .common = COMMON_TARGET | COMMON_DURATION | COMMON_OUTPUT,
    .max_args = 0,
};

static const struct out_col columns[] = {
    {"time", "TIME", -15}, {"pid", "PID", 7},	  {"comm", "COMM", -16},
    {"dir", "D", 1},	   {"bytes", "BYTES", 9}, {"lat_ms", "LAT(ms)", 10},
    {"fd", "FD", 4},	   {"type", "T", 1},	  {"file", "FILE", 0},
};

static int on_event(void *ctx, const void *data, size_t size)
{
	struct out *out = ((struct evtool_ctx *)ctx)->out;
	const struct slow_event *e = data;
	char file[FDPATH_BUF + 8], type[2];

	if (size < sizeof(*e))
		return 0;
	fdpath_format(&e->path, file, sizeof(file));
	type[0] = fdpath_type(&e->path);
	type[1] = 0;
	out__row_begin(out);
	out__time(out, clock_mono_to_wall(e->ts_ns));
	out__u64(out, e->pid);
	out__str(out, e->comm);
	out__str(out, e->is_write ? "W" : "R");
	out__i64(out, e->ret);
	out__double(out, e->latency_ns / 1e6, 3);
	out__i64(out, e->fd);
	out__str(out, type);
	out__str(out, file);
	out__row_end(out);
	return 0;
}

/* .rodata from the options */
static void setup(struct fileslower_bpf *skel)
{
	skel->rodata->min_ns = (__u64)(min_ms * 1e6);
	skel->rodata->all_files = all_files;
}

EVTOOL_COMMAND(fileslower, spec, columns, on_event, setup);
