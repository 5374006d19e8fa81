/* See recorder.h. The story of one crash: the kernel event arrives (the
 * process may be gone) -> mappings from the event, completed by the
 * snapshot of the process -> unwind the copied stack (core/unwind) -> name
 * kernel frames -> decode the thread's ring with the probes' layouts, and
 * the last event of each other thread of the process from the rings map ->
 * text or JSON on stdout, a file, --exec -> forget the process's rings. */
#include "crash/recorder.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <glob.h>
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <signal.h>
#include <unistd.h>

#include "bpf/crash.h"
#include "core/clock.h"
#include "core/fdpath.h"
#include "core/log.h"
#include "core/output.h"
#include "core/procmaps.h"
#include "core/procstat.h"
#include "core/syms.h"
#include "crash/published.h"
#include "crash/report.h"
#include "probe.skel.h"
#include "probe/print.h"
#include "probe/trace_run.h"

#define MAX_CHILDREN 16
#define MAX_QUEUED   16
#define SNAPSHOT_MAX 4096
#define DEFAULT_DIR  "/var/tmp/bpfscope-crash"

struct crash_rec {
	struct crash_opts o;
	struct trace_run *tr;
	struct probe_bpf *skel;
	struct procmaps_store *maps;
	struct ksyms *ksyms;
	struct crash_ratelimit rl;
	struct stat exe;
	uint64_t reported, notes;
	double next_prune;
	pid_t children[MAX_CHILDREN];
	int nchildren;
	/* crash events wait for the next tick: by then the probes' events ring
	 * has been drained too, so a report follows the events before it */
	struct crash_event *queued[MAX_QUEUED];
	int nqueued;
};

struct crash_rec *crash_rec__new(const struct crash_opts *opts)
{
	struct crash_rec *cr;

	if (opts->ring_len < 1 || opts->ring_len > CRASH_RING_MAX) {
		log_error("--ring: between 1 and %d events", CRASH_RING_MAX);
		return NULL;
	}
	cr = calloc(1, sizeof(*cr));
	if (!cr)
		return NULL;
	cr->o = *opts;
	cr->rl.per_minute = opts->per_minute;
	if (cr->o.exec_cmd && !cr->o.dir)
		cr->o.dir = DEFAULT_DIR;
	if (opts->binary && stat(opts->binary, &cr->exe)) {
		log_error("%s: %s", opts->binary, strerror(errno));
		free(cr);
		return NULL;
	}
	cr->maps = procmaps_store__new();
	if (!cr->maps) {
		free(cr);
		return NULL;
	}
	return cr;
}

static struct bpf_program *const *crash_progs(struct probe_bpf *skel, int *n)
{
	static struct bpf_program *progs[5];

	progs[0] = skel->progs.crash_signal;
	progs[1] = skel->progs.crash_fork;
	progs[2] = skel->progs.crash_exec;
	progs[3] = skel->progs.crash_mmap;
	progs[4] = skel->progs.crash_exit;
	*n = 5;
	return progs;
}

int crash_rec__configure(struct crash_rec *cr, struct probe_bpf *skel)
{
	int n, len = cr ? cr->o.ring_len : 1;
	struct bpf_program *const *progs = crash_progs(skel, &n);
	int err = 0;

	for (int i = 0; i < n; i++) {
		bpf_program__set_autoload(progs[i], cr != NULL);
		bpf_program__set_autoattach(progs[i], cr != NULL);
	}
	err = err
		  ?: bpf_map__set_value_size(skel->maps.crash_rings,
					     CRASH_RING_HDR + len * sizeof(struct crash_entry));
	err = err ?: bpf_map__set_max_entries(skel->maps.crash_rings, cr ? cr->o.max_threads : 1);
	err = err
		  ?: bpf_map__set_max_entries(skel->maps.crash_scratch,
					      cr ? libbpf_num_possible_cpus() : 1);
	if (!cr) { /* only the hook's dead branch refers to them: as small as can be */
		err = err ?: bpf_map__set_max_entries(skel->maps.crash_events, 4096);
		err = err ?: bpf_map__set_max_entries(skel->maps.crash_pending, 1);
		err = err ?: bpf_map__set_max_entries(skel->maps.crash_watch, 1);
		err = err ?: bpf_map__set_max_entries(skel->maps.crash_crashed, 1);
	}
	if (err) {
		log_error("cannot size the crash recorder's maps: %s", strerror(-err));
		return err;
	}
	skel->rodata->crash_ring_len = len;
	if (!cr)
		return 0;
	cr->skel = skel;
	skel->rodata->crash_enabled = true;
	skel->rodata->crash_ring_only = cr->o.ring_only;
	skel->rodata->crash_watch_tree = cr->o.tree_pid > 0;
	if (cr->o.binary) {
		skel->rodata->crash_exe_ino = cr->exe.st_ino;
		/* the kernel's dev_t: major << 20 | minor */
		skel->rodata->crash_exe_dev = major(cr->exe.st_dev) << 20 | minor(cr->exe.st_dev);
	}
	return 0;
}

/* ---- watched processes and their map snapshots ---- */

static pid_t parent_of(pid_t pid)
{
	struct proc_stat st;

	return proc_stat_read(pid, &st) ? 0 : st.ppid;
}

static bool in_tree(pid_t pid, pid_t root)
{
	for (int depth = 0; pid > 1 && depth < 64; depth++) {
		if (pid == root)
			return true;
		pid = parent_of(pid);
	}
	return pid == root;
}

static bool matches(struct crash_rec *cr, pid_t pid, const char *comm)
{
	char path[64], buf[32] = "";
	struct stat st;
	FILE *f;

	if (cr->o.tree_pid > 0)
		return in_tree(pid, cr->o.tree_pid);
	if (cr->o.binary) {
		snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
		return !stat(path, &st) && st.st_ino == cr->exe.st_ino &&
		       st.st_dev == cr->exe.st_dev;
	}
	if (comm) {
		snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
		if (!(f = fopen(path, "re")))
			return false;
		if (fgets(buf, sizeof(buf), f))
			buf[strcspn(buf, "\n")] = 0;
		fclose(f);
		return !strcmp(buf, comm);
	}
	return true;
}

/* Snapshots (and for -p, watches) the processes that exist now. */
static void scan_processes(struct crash_rec *cr, const char *comm)
{
	int fd = bpf_map__fd(cr->skel->maps.crash_watch);
	glob_t g = {0};
	__u8 one = 1;

	if (glob("/proc/[0-9]*", GLOB_NOSORT, NULL, &g))
		return;
	for (size_t i = 0; i < g.gl_pathc && procmaps_store__count(cr->maps) < SNAPSHOT_MAX; i++) {
		pid_t pid = (pid_t)atoi(g.gl_pathv[i] + 6);
		__u32 key = (__u32)pid;

		if (pid <= 0 || pid == getpid() || !matches(cr, pid, comm))
			continue;
		if (cr->o.tree_pid > 0)
			bpf_map_update_elem(fd, &key, &one, BPF_ANY);
		procmaps_store__refresh(cr->maps, pid);
	}
	globfree(&g);
}

static bool process_alive(pid_t pid)
{
	return !kill(pid, 0) || errno != ESRCH;
}

/* ---- decoding ring entries ---- */

static void decode_entry(struct crash_rec *cr, const struct crash_entry *e, uint32_t tid,
			 struct crash_line *l)
{
	unsigned char rec[2 * PROBE_RECORD] = {0};
	const struct traced_probe *p;

	memset(l, 0, sizeof(*l));
	l->wall_ns = clock_mono_to_wall(e->ts_ns);
	l->tid = tid;
	if (e->probe >= cr->tr->nprobes) {
		snprintf(l->probe, sizeof(l->probe), "probe %u", e->probe);
		return;
	}
	p = &cr->tr->probes[e->probe];
	snprintf(l->probe, sizeof(l->probe), "%s", p->ast->text);
	l->has_duration = p->ast->kind == TARGET_URETPROBE;
	l->duration_ns = e->duration_ns;
	memcpy(rec + CRASH_RECORD_HDR, e->data,
	       e->size < CRASH_ENTRY_DATA ? e->size : CRASH_ENTRY_DATA);
	for (int i = 0; i < p->cp.nfields && i < CRASH_MAX_FIELDS; i++) {
		const struct field *f = &p->cp.fields[i];
		struct crash_field *out = &l->fields[l->nfields++];

		snprintf(out->label, sizeof(out->label), "%s", f->label);
		out->quoted = f->fmt == FMT_STR || f->fmt == FMT_COMM;
		out->numeric = f->fmt == FMT_INT || f->fmt == FMT_UINT;
		if (f->off + f->size > CRASH_RECORD_HDR + (unsigned)e->size &&
		    f->off < sizeof(rec)) {
			/* a string cut short is still shown; a number is not */
			l->truncated = true;
			if (!out->quoted) {
				snprintf(out->value, sizeof(out->value), "?");
				out->numeric = false;
				continue;
			}
		}
		if (f->off + f->size <= sizeof(rec))
			probe_field_text(f, rec, out->value, sizeof(out->value));
	}
}

static void decode_ring(struct crash_rec *cr, const struct crash_ring *ring, struct crash_report *r)
{
	uint64_t count = ring->count, len = (uint64_t)cr->o.ring_len;
	uint64_t n = count < len ? count : len;

	r->ring_total = count;
	r->events = calloc(n ? n : 1, sizeof(*r->events));
	if (!r->events)
		return;
	for (uint64_t i = count - n; i < count; i++)
		decode_entry(cr, &ring->entries[i % len], ring->tid, &r->events[r->nevents++]);
}

/* The other threads' rings of the process: their last event, then the
 * rings are deleted (the kernel kept them for this). */
static void other_threads(struct crash_rec *cr, struct crash_report *r)
{
	int fd = bpf_map__fd(cr->skel->maps.crash_rings);
	struct crash_ring *ring = calloc(1, sizeof(*ring));
	__u32 key, next, *prev = NULL, gone[256];
	int ngone = 0;

	if (!ring)
		return;
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, ring) || ring->pid != r->pid)
			continue;
		if (ngone < 256)
			gone[ngone++] = key;
		if (key == r->tid || !ring->count || r->nothers >= 64)
			continue;
		if (!r->others && !(r->others = calloc(64, sizeof(*r->others))))
			continue;
		decode_entry(cr, &ring->entries[(ring->count - 1) % cr->o.ring_len], key,
			     &r->others[r->nothers++]);
	}
	for (int i = 0; i < ngone; i++)
		bpf_map_delete_elem(fd, &gone[i]);
	key = r->pid;
	bpf_map_delete_elem(bpf_map__fd(cr->skel->maps.crash_crashed), &key);
	free(ring);
}

/* ---- mappings and stacks ---- */

/* The event's mappings, then snapshot mappings they do not cover. */
static void crash_maps(struct crash_rec *cr, const struct crash_event *ev, struct procmaps *out,
		       struct crash_report *r)
{
	const struct procmaps *snap = procmaps_store__get(cr->maps, ev->pid);
	size_t cap = ev->nvmas + (snap ? snap->n : 0);
	char path[FDPATH_BUF + 8];
	size_t from_snap = 0;

	out->n = 0;
	out->v = calloc(cap ? cap : 1, sizeof(*out->v));
	if (!out->v)
		return;
	for (uint32_t i = 0; i < ev->nvmas && i < CRASH_MAX_VMAS; i++) {
		const struct crash_vma *v = &ev->vmas[i];

		fdpath_format(&v->path, path, sizeof(path));
		out->v[out->n] = (struct procmap){v->start, v->end, v->pgoff, v->ino, strdup(path)};
		if (out->v[out->n].path)
			out->n++;
	}
	for (size_t i = 0; snap && i < snap->n; i++) {
		bool covered = false;

		for (size_t j = 0; j < out->n - from_snap && !covered; j++)
			covered =
			    snap->v[i].start < out->v[j].end && out->v[j].start < snap->v[i].end;
		if (covered)
			continue;
		out->v[out->n] = snap->v[i];
		out->v[out->n].path = strdup(snap->v[i].path);
		if (out->v[out->n].path) {
			out->n++;
			from_snap++;
		}
	}
	procmaps_sort(out);
	snprintf(r->maps_source, sizeof(r->maps_source),
		 "%zu mappings read at the crash, %zu more from the snapshot of /proc/%u/maps",
		 out->n - from_snap, from_snap, ev->pid);
}

static void kernel_frames(struct crash_rec *cr, const struct crash_event *ev,
			  struct crash_report *r)
{
	int n = ev->kstack_len > 0 ? ev->kstack_len / 8 : 0;

	bool ours = true; /* the recorder's own frames come first: not shown */

	if (n && !cr->ksyms)
		cr->ksyms = ksyms__load();
	for (int i = 0; i < n && i < CRASH_KSTACK; i++) {
		const struct sym *s = cr->ksyms ? ksyms__find(cr->ksyms, ev->kstack[i]) : NULL;
		struct crash_kframe *k;

		if (ours && s &&
		    (!strncmp(s->name, "bpf_prog_", 9) || !strncmp(s->name, "bpf_trace_run", 13) ||
		     !strncmp(s->name, "__traceiter_", 12)))
			continue;
		ours = false;
		k = &r->kframes[r->nkframes++];

		k->addr = ev->kstack[i];
		if (s)
			snprintf(k->name, sizeof(k->name), "%s+0x%" PRIx64, s->name,
				 (uint64_t)ev->kstack[i] - s->addr);
		else
			snprintf(k->name, sizeof(k->name), "0x%" PRIx64, (uint64_t)ev->kstack[i]);
	}
}

static void notes_of(const struct crash_event *ev, struct crash_report *r)
{
	size_t len = 0;

	r->notes[0] = 0;
	/* CRASH_F_STACK_FAULT is the normal end of a shallow stack; when the
	 * unwinder needed more, its stop reason says so */
	if (ev->flags & CRASH_F_VMA_BUSY)
		len += snprintf(r->notes + len, sizeof(r->notes) - len,
				"some mappings could not be read at delivery (mm locked); ");
	if ((ev->flags & CRASH_F_VMA_FULL) && len < sizeof(r->notes))
		len += snprintf(r->notes + len, sizeof(r->notes) - len,
				"more than %d executable mappings on the stack; ", CRASH_MAX_VMAS);
	if (len >= 2 && len < sizeof(r->notes))
		r->notes[len - 2] = 0;
}

static struct crash_report *build_report(struct crash_rec *cr, const struct crash_event *ev)
{
	struct crash_report *r = calloc(1, sizeof(*r));
	struct procmaps maps = {0};

	if (!r)
		return NULL;
	r->pid = ev->pid;
	r->tid = ev->tid;
	memcpy(r->comm, ev->comm, TASK_COMM_LEN);
	r->sig = (int)ev->sig;
	r->code = ev->code;
	r->errnum = ev->errnum;
	r->addr = ev->addr;
	r->sender_pid = ev->sender_pid;
	r->handler = (int)ev->handler;
	r->wall_ns = clock_mono_to_wall(ev->ts_ns);
	for (int i = 0; i < UNWIND_NREGS; i++)
		r->regs[i] = ev->regs[i];
	r->stack_len = ev->stack_len;
	crash_maps(cr, ev, &maps, r);
	unwind_user((pid_t)ev->tid, &maps, r->regs, ev->stack_start, ev->stack,
		    ev->stack_len < CRASH_STACK_COPY ? ev->stack_len : CRASH_STACK_COPY,
		    &r->unwind);
	procmaps_free(&maps);
	kernel_frames(cr, ev, r);
	r->has_ring = ev->flags & CRASH_F_RING;
	if (r->has_ring)
		decode_ring(cr, &ev->ring, r);
	other_threads(cr, r);
	notes_of(ev, r);
	if (!process_alive((pid_t)ev->pid))
		snprintf(r->notes + strlen(r->notes), sizeof(r->notes) - strlen(r->notes), "%s%s",
			 r->notes[0] ? "; " : "", "the process was gone when the report was made");
	return r;
}

static void free_report(struct crash_report *r)
{
	if (!r)
		return;
	free(r->events);
	free(r->others);
	free(r);
}

/* ---- output ---- */

static int write_file(struct crash_rec *cr, const struct crash_report *r, char *path, size_t len)
{
	char stamp[32];
	time_t secs = (time_t)(r->wall_ns / 1000000000ULL);
	struct tm tm;
	FILE *f;

	gmtime_r(&secs, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	if (mkdir(cr->o.dir, 0700) && errno != EEXIST) {
		log_warn("--dir %s: %s", cr->o.dir, strerror(errno));
		return -errno;
	}
	snprintf(path, len, "%s/crash-%s-%u-%u.%s", cr->o.dir, stamp, r->pid, r->tid,
		 cr->o.json ? "json" : "txt");
	f = fopen(path, "we");
	if (!f) {
		log_warn("cannot write %s: %s", path, strerror(errno));
		return -errno;
	}
	if (cr->o.json) {
		struct json_object *obj = crash_report_json(r);

		fprintf(f, "%s\n", json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY));
		json_object_put(obj);
	} else {
		crash_report_text(f, r);
	}
	return fclose(f) ? -errno : 0;
}

/* --exec: CMD runs through sh with the report path as "$1" (and in
 * BPFSCOPE_CRASH_REPORT); it is reaped on the next tick. */
static void run_exec(struct crash_rec *cr, const char *path)
{
	char *script = NULL;
	pid_t pid;

	if (cr->nchildren == MAX_CHILDREN) {
		log_warn("--exec: %d commands still running; not run for %s", MAX_CHILDREN, path);
		return;
	}
	if (asprintf(&script, "%s \"$1\"", cr->o.exec_cmd) < 0)
		return;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		setenv("BPFSCOPE_CRASH_REPORT", path, 1);
		dup2(2, 1); /* our stdout carries reports (JSON lines) */
		execl("/bin/sh", "sh", "-c", script, "sh", path, (char *)NULL);
		_exit(127);
	}
	free(script);
	if (pid < 0)
		log_warn("--exec: fork: %s", strerror(errno));
	else
		cr->children[cr->nchildren++] = pid;
}

static void reap(struct crash_rec *cr, bool block)
{
	for (int i = 0; i < cr->nchildren;) {
		int status;
		pid_t r = waitpid(cr->children[i], &status, block ? 0 : WNOHANG);

		if (r == 0) {
			i++;
			continue;
		}
		if (r > 0 && WIFEXITED(status) && WEXITSTATUS(status))
			log_warn("--exec command exited with status %d", WEXITSTATUS(status));
		cr->children[i] = cr->children[--cr->nchildren];
	}
}

static void emit(struct crash_rec *cr, const struct crash_report *r)
{
	char path[4096];

	if (cr->o.json) {
		out_json_line(stdout, crash_report_json(r));
	} else {
		crash_report_text(stdout, r);
	}
	fflush(stdout);
	cr->reported++;
	crash_pub_report(r);
	if (cr->o.dir && !write_file(cr, r, path, sizeof(path)) && cr->o.exec_cmd)
		run_exec(cr, path);
}

static void forget_rings(struct crash_rec *cr, uint32_t pid)
{
	struct crash_report r = {.pid = pid, .tid = 0};

	other_threads(cr, &r); /* deletes the rings; the decoded lines are not used */
	free(r.others);
}

static void on_crash(struct crash_rec *cr, const struct crash_event *ev)
{
	struct crash_report *r;

	if (!crash_ratelimit_allow(&cr->rl, clock_mono_ns())) {
		log_warn("%s in pid %u (%s) not reported: more than %d reports this minute",
			 crash_signal_name((int)ev->sig), ev->pid, ev->comm, cr->o.per_minute);
		crash_pub_suppressed((int)ev->sig);
		forget_rings(cr, ev->pid);
		return;
	}
	r = build_report(cr, ev);
	if (r)
		emit(cr, r);
	else
		log_error("out of memory for a crash report of pid %u", ev->pid);
	free_report(r);
	procmaps_store__forget(cr->maps, (pid_t)ev->pid);
}

static void on_note(struct crash_rec *cr, const struct crash_note *n)
{
	cr->notes++;
	if (n->kind == CRASH_NOTE_FORK)
		procmaps_store__fork(cr->maps, (pid_t)n->pid, (pid_t)n->parent);
	else
		procmaps_store__refresh(cr->maps, (pid_t)n->pid);
}

static void report_queued(struct crash_rec *cr)
{
	for (int i = 0; i < cr->nqueued; i++) {
		on_crash(cr, cr->queued[i]);
		free(cr->queued[i]);
	}
	cr->nqueued = 0;
}

static int on_crash_ring(void *ctx, const void *data, size_t size)
{
	struct crash_rec *cr = ctx;
	struct crash_event *copy;

	if (size >= sizeof(struct crash_event)) {
		if (cr->nqueued == MAX_QUEUED)
			report_queued(cr);
		copy = malloc(sizeof(*copy));
		if (copy) {
			memcpy(copy, data, sizeof(*copy));
			cr->queued[cr->nqueued++] = copy;
		} else {
			on_crash(cr, data);
		}
	} else if (size >= sizeof(struct crash_note)) {
		on_note(cr, data);
	}
	return 0;
}

int crash_rec__start(struct crash_rec *cr, struct trace_run *tr)
{
	cr->tr = tr;
	scan_processes(cr, tr->opts->comm);
	log_info("crash: %zu processes' maps snapshotted", procmaps_store__count(cr->maps));
	crash_pub_start(cr->o.per_minute);
	return evloop__add_ringbuf(tr->session.loop, cr->skel->maps.crash_events, on_crash_ring,
				   cr);
}

int crash_rec__tick(struct crash_rec *cr)
{
	double now = clock_mono_ns() / 1e9;

	report_queued(cr);
	reap(cr, false);
	if (now >= cr->next_prune) {
		procmaps_store__prune(cr->maps, process_alive);
		cr->next_prune = now + 10;
	}
	return 0;
}

void crash_rec__finish(struct crash_rec *cr)
{
	report_queued(cr);
	for (int i = 0; i < 50 && cr->nchildren; i++) {
		reap(cr, false);
		if (cr->nchildren)
			usleep(100000);
	}
	if (cr->nchildren)
		log_warn("--exec: %d commands still running, left to finish", cr->nchildren);
	fprintf(stderr,
		"bpfscope: crash recorder: %" PRIu64 " crashes reported, %" PRIu64
		" not reported (more than %d per minute), %zu processes' maps kept\n",
		cr->reported, cr->rl.suppressed, cr->o.per_minute, procmaps_store__count(cr->maps));
}

void crash_rec__free(struct crash_rec *cr)
{
	if (!cr)
		return;
	for (int i = 0; i < cr->nqueued; i++)
		free(cr->queued[i]);
	procmaps_store__free(cr->maps);
	crash_pub_free();
	ksyms__free(cr->ksyms);
	free(cr);
}
