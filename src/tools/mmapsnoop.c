/* bpfscope mmapsnoop: mmap calls with address, length, protection, flags
 * and the mapped file. */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "bpf/mmapsnoop.h"
#include "core/clock.h"
#include "core/fdpath.h"
#include "core/evtool.h"
#include "core/output.h"
#include "mmapsnoop.skel.h"

static bool files_only, failed_only;

static const struct opt_def options[] = {
    {"files", 'f', OPT_FLAG, &files_only, NULL, "show only file mappings (no anonymous memory)"},
    {"failed", 'x', OPT_FLAG, &failed_only, NULL, "show only failed mmaps"},
    {0},
};

static const struct cmd_spec spec = {
    .name = "mmapsnoop",
    .summary = "trace mmap calls with address, length, protection, flags and file",
    .opts = options,
    .common = COMMON_TARGET | COMMON_DURATION | COMMON_OUTPUT,
    .max_args = 0,
};

static const struct out_col columns[] = {
    {"time", "TIME", -15}, {"pid", "PID", 7},	    {"comm", "COMM", -16},   {"addr", "ADDR", -14},
    {"len", "LEN", 10},	   {"prot", "PROT", -4},    {"flags", "FLAGS", -24}, {"fd", "FD", 3},
    {"offset", "OFF", 8},  {"errno", "RESULT", -7}, {"file", "FILE", 0},
};

static void format_flags(char *buf, size_t len, unsigned flags)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = {
	    {MAP_FIXED, "FIXED"},
	    {MAP_ANONYMOUS, "ANON"},
	    {MAP_NORESERVE, "NORESERVE"},
	    {MAP_POPULATE, "POPULATE"},
	    {MAP_STACK, "STACK"},
	    {MAP_HUGETLB, "HUGETLB"},
	    {MAP_FIXED_NOREPLACE, "FIXED_NOREPLACE"},
	    {MAP_DENYWRITE, "DENYWRITE"},
	};
	const char *type = (flags & MAP_TYPE) == MAP_SHARED	       ? "SHARED"
			   : (flags & MAP_TYPE) == MAP_PRIVATE	       ? "PRIVATE"
			   : (flags & MAP_TYPE) == MAP_SHARED_VALIDATE ? "SHARED_VALIDATE"
								       : "?";
	size_t used = snprintf(buf, len, "%s", type);

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && used < len; i++)
		if (flags & names[i].bit)
			used += snprintf(buf + used, len - used, "|%s", names[i].name);
}

static int on_event(void *ctx, const void *data, size_t size)
{
	struct out *out = ((struct evtool_ctx *)ctx)->out;
	const struct mmap_event *e = data;
	bool failed = e->ret < 0 && e->ret >= -4095;
	char file[FDPATH_BUF + 8], addr[24], flags[96];
	char prot[4] = {e->prot & PROT_READ ? 'r' : '-', e->prot & PROT_WRITE ? 'w' : '-',
			e->prot & PROT_EXEC ? 'x' : '-', 0};

	if (size < sizeof(*e))
		return 0;
	fdpath_format(&e->path, file, sizeof(file));
	snprintf(addr, sizeof(addr), "0x%llx",
		 failed ? (unsigned long long)e->addr : (unsigned long long)e->ret);
	format_flags(flags, sizeof(flags), e->flags);
	out__row_begin(out);
	out__time(out, clock_mono_to_wall(e->ts_ns));
	out__u64(out, e->pid);
	out__str(out, e->comm);
	out__str(out, addr);
	out__u64(out, e->len);
	out__str(out, prot);
	out__str(out, flags);
	out__i64(out, e->fd);
	out__u64(out, e->offset);
	out__str(out, failed ? strerrorname_np(-e->ret) ?: "?" : "0");
	out__str(out, file);
	out__row_end(out);
	return 0;
}

/* .rodata from the options */
static void setup(struct mmapsnoop_bpf *skel)
{
	skel->rodata->files_only = files_only;
	skel->rodata->failed_only = failed_only;
}

EVTOOL_COMMAND(mmapsnoop, spec, columns, on_event, setup);
