#include "core/stacks.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/syms.h"

struct pid_syms {
	pid_t pid;
	struct proc_syms *ps; /* NULL: the process was gone when asked */
};

struct stacks {
	int map_fd;
	struct ksyms *ksyms;
	bool ksyms_tried;
	struct pid_syms *pids;
	size_t npids, cap;
	struct stacks_stats stats;
	uint64_t ips[STACKS_MAX_DEPTH];
};

struct stacks *stacks__new(int stack_map_fd)
{
	struct stacks *st = calloc(1, sizeof(*st));

	if (st)
		st->map_fd = stack_map_fd;
	return st;
}

static struct pid_syms *find_pid(struct stacks *st, pid_t pid)
{
	for (size_t i = 0; i < st->npids; i++)
		if (st->pids[i].pid == pid)
			return &st->pids[i];
	return NULL;
}

static struct pid_syms *add_pid(struct stacks *st, pid_t pid)
{
	struct pid_syms *p = find_pid(st, pid);

	if (p)
		return p;
	if (st->npids == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 64;
		struct pid_syms *v = realloc(st->pids, cap * sizeof(*v));

		if (!v)
			return NULL;
		st->pids = v;
		st->cap = cap;
	}
	p = &st->pids[st->npids++];
	p->pid = pid;
	p->ps = proc_syms__new(pid);
	if (!p->ps)
		log_debug("pid %d: no memory maps (%s)", (int)pid, strerror(errno));
	return p;
}

void stacks__note_pid(struct stacks *st, pid_t pid)
{
	if (pid > 0)
		add_pid(st, pid);
}

int stacks__on_event(void *ctx, const void *data, size_t size)
{
	const struct stacks_pid_event *e = data;

	if (size >= sizeof(*e))
		stacks__note_pid(ctx, e->pid);
	return 0;
}

void stacks_module_frame(char *buf, size_t len, const char *module)
{
	const char *base = module ? strrchr(module, '/') : NULL;

	if (!module)
		snprintf(buf, len, "[unknown]");
	else
		snprintf(buf, len, "[%s]", base ? base + 1 : module);
}

int stacks_path_append(char **buf, size_t *len, size_t *cap, const char *frame, const char *suffix)
{
	size_t flen = strlen(frame), slen = strlen(suffix), need = *len + flen + slen + 2;
	char *p;

	if (need > *cap) {
		char *b = realloc(*buf, need * 2);

		if (!b)
			return -ENOMEM;
		*buf = b;
		*cap = need * 2;
	}
	p = *buf + *len;
	if (*len)
		*p++ = ';';
	for (size_t i = 0; i < flen; i++)
		*p++ = frame[i] == ';'			      ? ':'
		       : frame[i] == '\n' || frame[i] == '\r' ? ' '
							      : frame[i];
	memcpy(p, suffix, slen + 1);
	*len = p + slen - *buf;
	return 0;
}

/* Reads a stack; returns the number of frames (0 when missing). */
static int read_stack(struct stacks *st, int32_t id)
{
	int n = 0;

	if (id < 0)
		return 0;
	if (bpf_map_lookup_elem(st->map_fd, &id, st->ips)) {
		st->stats.missing++;
		return 0;
	}
	while (n < STACKS_MAX_DEPTH && st->ips[n])
		n++;
	return n;
}

static const char *kernel_frame(struct stacks *st, uint64_t addr)
{
	const struct sym *s;

	if (!st->ksyms_tried) {
		st->ksyms_tried = true;
		if (!(st->ksyms = ksyms__load()))
			log_warn("cannot read /proc/kallsyms: kernel frames stay unnamed");
	}
	s = st->ksyms ? ksyms__find(st->ksyms, addr) : NULL;
	return s ? s->name : NULL;
}

static const char *user_frame(struct stacks *st, pid_t pid, uint64_t addr, char *buf, size_t len)
{
	struct pid_syms *p = add_pid(st, pid);
	const char *module = NULL;
	const struct sym *s = NULL;

	if (p && p->ps && proc_syms__resolve(p->ps, addr, &s, &module, NULL))
		return s->name;
	stacks_module_frame(buf, len, module);
	return NULL;
}

static int append_user(struct stacks *st, const struct stack_key *key, char **path, size_t *len,
		       size_t *cap)
{
	int n = read_stack(st, key->user_stack_id), err = 0;
	char buf[256];

	/* Root first: walk from the outermost frame. Frames above the leaf are
	 * return addresses, looked up at addr - 1 so that a call ending a
	 * function is not taken for the next one. The caller saved at a
	 * function's entry sits between frame 0 and frame 1. */
	for (int i = n - 1; i >= 0 && !err; i--) {
		const char *name;

		if (i == 0 && key->user_caller) {
			name = user_frame(st, key->pid, key->user_caller - 1, buf, sizeof(buf));
			st->stats.frames++;
			st->stats.unsymbolized += !name;
			if ((err = stacks_path_append(path, len, cap, name ?: buf, "")))
				break;
		}
		name = user_frame(st, key->pid, st->ips[i] - (i > 0), buf, sizeof(buf));
		st->stats.frames++;
		st->stats.unsymbolized += !name;
		err = stacks_path_append(path, len, cap, name ?: buf, "");
	}
	return err;
}

/* The kernel stack taken inside a BPF program starts with the program and
 * the tracing glue that ran it: not the traced code, so not shown. */
static bool bpf_machinery(const char *name)
{
	static const char *const prefixes[] = {"bpf_prog_", "bpf_trace_run", "__bpf_trace_",
					       "bpf_trampoline_", "__bpf_prog_enter"};

	for (size_t i = 0; name && i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(name, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

static int append_kernel(struct stacks *st, const struct stack_key *key, char **path, size_t *len,
			 size_t *cap)
{
	int n = read_stack(st, key->kernel_stack_id), leaf = 0, err = 0;

	while (leaf < n && bpf_machinery(kernel_frame(st, st->ips[leaf])))
		leaf++;
	for (int i = n - 1; i >= leaf && !err; i--) {
		const char *name = kernel_frame(st, st->ips[i] - (i > 0));

		st->stats.frames++;
		st->stats.unsymbolized += !name;
		err = stacks_path_append(path, len, cap, name ?: "[unknown]", "_[k]");
	}
	return err;
}

char *stacks__fold(struct stacks *st, const struct stack_key *key)
{
	size_t len = 0, cap = 256;
	char *path = malloc(cap);

	if (!path)
		return NULL;
	path[0] = 0;
	st->stats.stacks++;
	if (append_user(st, key, &path, &len, &cap) || append_kernel(st, key, &path, &len, &cap)) {
		free(path);
		return NULL;
	}
	return path;
}

void stacks__stats(const struct stacks *st, struct stacks_stats *out)
{
	*out = st->stats;
}

void stacks__free(struct stacks *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->npids; i++)
		proc_syms__free(st->pids[i].ps);
	free(st->pids);
	ksyms__free(st->ksyms);
	free(st);
}
