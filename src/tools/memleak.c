/* bpfscope memleak: outstanding allocations of one process by stack, from
 * uprobes on its libc's allocator entry points. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpf/memleak.h"
#include "core/clock.h"
#include "core/libpath.h"
#include "core/log.h"
#include "core/skelcmd.h"
#include "core/stacks.h"
#include "core/stacktool.h"
#include "core/uprobe.h"
#include "memleak.skel.h"

static uint64_t older_ms, min_size, max_size;
static const char *libc_name = "libc";

static const struct opt_def options[] = {
    {"older", 'a', OPT_U64, &older_ms, "MS", "only allocations older than MS milliseconds", 0,
     1e12},
    {"min-size", 'z', OPT_U64, &min_size, "BYTES", "ignore smaller allocations", 0, 1e18},
    {"max-size", 'Z', OPT_U64, &max_size, "BYTES", "ignore larger allocations", 1, 1e18},
    {"libc", 0, OPT_STRING, &libc_name, "LIB", "allocator library (default libc)"},
    STACK_REPORT_OPTIONS,
    {0},
};

static const struct cmd_spec spec = {
    .name = "memleak",
    .summary = "outstanding allocations of a process by stack (malloc/free/mmap uprobes)",
    .details = "Needs -p PID. Probes malloc, calloc, realloc, aligned_alloc, posix_memalign,\n"
	       "free, mmap and munmap in the process's libc. Allocations made before the start\n"
	       "are not seen. Prints the outstanding bytes per stack every -i and at the end.",
    .opts = options,
    .common = COMMON_PID | COMMON_DURATION | COMMON_INTERVAL | COMMON_OUTPUT,
    .max_args = 0,
};

static const struct {
	const char *func, *prog;
	bool retprobe;
} probes[] = {
    {"malloc", "malloc_enter", false},
    {"malloc", "alloc_exit", true},
    {"calloc", "calloc_enter", false},
    {"calloc", "alloc_exit", true},
    {"realloc", "realloc_enter", false},
    {"realloc", "alloc_exit", true},
    {"aligned_alloc", "aligned_alloc_enter", false},
    {"aligned_alloc", "alloc_exit", true},
    {"posix_memalign", "posix_memalign_enter", false},
    {"posix_memalign", "posix_memalign_exit", true},
    {"mmap", "mmap_enter", false},
    {"mmap", "alloc_exit", true},
    {"free", "free_enter", false},
    {"munmap", "munmap_enter", false},
};
#define NPROBES (sizeof(probes) / sizeof(probes[0]))

struct memleak {
	struct memleak_bpf *skel;
	pid_t pid;
	char libc[PATH_MAX];
	struct bpf_link *links[NPROBES];
	enum out_format format;
};

static int attach_allocator(void *ctx)
{
	struct memleak *m = ctx;
	struct uprobe_spec specs[NPROBES];

	for (size_t i = 0; i < NPROBES; i++)
		specs[i] = (struct uprobe_spec){
		    bpf_object__find_program_by_name(m->skel->obj, probes[i].prog), &m->links[i],
		    probes[i].func, probes[i].retprobe};
	return uprobe_attach_all(specs, NPROBES, m->libc, m->pid) < 0 ? -1 : 0;
}

static int by_key(const void *a, const void *b)
{
	return memcmp(&((const struct memleak_alloc *)a)->key,
		      &((const struct memleak_alloc *)b)->key, sizeof(struct stack_key));
}

/* Outstanding allocations old enough, sorted by stack. */
static struct memleak_alloc *read_allocs(int fd, size_t *n)
{
	uint64_t addr, next, *prev = NULL, now = clock_mono_ns();
	struct memleak_alloc *v = NULL, *grown, a;
	size_t cap = 0;

	*n = 0;
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		addr = next;
		prev = &addr;
		if (bpf_map_lookup_elem(fd, &addr, &a) || now - a.ts_ns < older_ms * 1000000)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 1024;
			if (!(grown = realloc(v, cap * sizeof(*v))))
				break;
			v = grown;
		}
		v[(*n)++] = a;
	}
	if (*n)
		qsort(v, *n, sizeof(*v), by_key);
	return v;
}

static int print_report(void *ctx, struct stacks *st)
{
	struct memleak *m = ctx;
	struct stack_report_opts ro = {"bytes", "allocations", "Outstanding allocations",
				       m->format};
	struct stack_report *r = stack_report__new(&ro);
	struct memleak_alloc *v;
	size_t n, i, j;
	int err = r ? 0 : -ENOMEM;

	v = read_allocs(bpf_map__fd(m->skel->maps.allocs), &n);
	for (i = 0; !err && i < n; i = j) {
		uint64_t bytes = 0;

		for (j = i; j < n && !by_key(&v[i], &v[j]); j++)
			bytes += v[j].size;
		err = stack_report__add(r, st, &v[i].key, NULL, bytes, j - i);
	}
	free(v);
	if (!err && m->format == OUT_TEXT && !stack_cli.folded) {
		char now[32];

		clock_format_time(clock_wall_ns(), now, sizeof(now));
		printf("[%s] %llu bytes outstanding in %zu allocations from %zu stacks\n", now,
		       (unsigned long long)stack_report__total(r), n, stack_report__len(r));
	}
	if (!err)
		err = stack_report__print(r, stdout);
	stack_report__free(r);
	return err;
}

static int run(struct memleak_bpf *skel, const struct common_opts *opts)
{
	struct memleak m = {.skel = skel, .pid = opts->pid, .format = opts->format};
	struct stack_tool tool = {.skel = skel->skeleton,
				  .attach = attach_allocator,
				  .print = print_report,
				  .ctx = &m};
	int rc;

	if (!opts->pid) {
		log_error("memleak needs -p PID");
		return 2;
	}
	if (max_size && max_size < min_size) {
		log_error("--max-size is below --min-size");
		return 2;
	}
	snprintf(m.libc, sizeof(m.libc), "/proc/%d/maps", opts->pid);
	if (access(m.libc, R_OK)) {
		log_error("no process with pid %d", opts->pid);
		return 1;
	}
	if (libpath_resolve(libc_name, opts->pid, m.libc, sizeof(m.libc))) {
		log_error("no library '%s' in process %d", libc_name, opts->pid);
		return 1;
	}
	skel->rodata->min_size = min_size;
	if (max_size)
		skel->rodata->max_size = max_size;
	uprobe_manual(skel->obj);
	rc = stack_tool_run(&tool, opts);
	for (size_t i = 0; i < NPROBES; i++)
		bpf_link__destroy(m.links[i]);
	return rc;
}

SKEL_COMMAND(memleak, spec, run);
