/* bpfscope list: what can be probed.
 *
 *   list BINARY_OR_LIB [GLOB]          functions, with the kernel's handling of
 *                                      their first instruction (uprobe_site)
 *   list --usdt BINARY_OR_LIB [GLOB]   USDT probes (elfnotes)
 *   list --tracepoints [GLOB]          kernel tracepoints (tracefs)
 *   list --tracepoint CAT:NAME         one tracepoint's fields (tpformat)
 *
 * Needs no BPF: it only reads ELF files and tracefs. Libraries are found by
 * short name through libpath (with -p, in the process's own maps and mount
 * namespace). A glob that matches nothing is an error, so scripts notice. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cmd.h"
#include "core/elfnotes.h"
#include "core/libpath.h"
#include "core/log.h"
#include "core/output.h"
#include "core/syms.h"
#include "core/tpformat.h"
#include "core/tracefs.h"
#include "core/uprobe_site.h"

#define NCOLS(c) ((int)(sizeof(c) / sizeof((c)[0])))

static bool want_usdt, want_tracepoints;
static const char *tracepoint_name, *debug_dir;

static const struct opt_def options[] = {
    {"usdt", 'u', OPT_FLAG, &want_usdt, NULL, "list the USDT probes of BINARY_OR_LIB"},
    {"tracepoints", 't', OPT_FLAG, &want_tracepoints, NULL,
     "list kernel tracepoints matching GLOB (e.g. 'sched:*')"},
    {"tracepoint", 'T', OPT_STRING, &tracepoint_name, "CAT:NAME",
     "show the fields of one tracepoint"},
    {"debug-dir", 0, OPT_STRING, &debug_dir, "DIR",
     "look for separate debug files here first (build-id or debuglink layout)"},
    {0},
};

static const struct cmd_spec spec = {
    .name = "list",
    .summary = "list probe points: functions, USDT probes, tracepoints and their fields",
    .args = "[BINARY_OR_LIB] [GLOB]",
    .details = "BINARY_OR_LIB is a path, a program on $PATH, or a library's short name\n"
	       "('libc', 'memcached', 'libssl.so.3'); with -p PID it is looked up in that\n"
	       "process's maps (other mount namespaces included). GLOB is a shell pattern\n"
	       "matched against raw and demangled C++ names ('ap_*', 'Server::*').\n"
	       "SITE says what the kernel does with a uprobe on the function's first\n"
	       "instruction: emulated (one trap), single-step (two traps, about 14 times the\n"
	       "cost on the machine it was measured on), unknown (the kernel refuses the\n"
	       "probe, or the instruction was not decoded). '(mis-emulated)' marks AVX\n"
	       "instructions the kernel skips instead of running: do not probe those.",
    .opts = options,
    .common = COMMON_PID | COMMON_OUTPUT,
    .max_args = 2,
};

static void hex_addr(char *buf, size_t len, uint64_t v)
{
	snprintf(buf, len, "0x%" PRIx64, v);
}

/* ---- binary resolution ---- */

static int resolve_binary(const char *name, int pid, char *path, size_t len)
{
	if (!libpath_resolve(name, pid, path, len))
		return 0;
	if (strchr(name, '/'))
		log_error("%s%s: no such file%s", pid ? "process's " : "", name,
			  pid ? " in its mount namespace" : "");
	else if (pid)
		log_error(
		    "'%s' not found: not mapped by pid %d, not in /etc/ld.so.cache, not on $PATH",
		    name, pid);
	else
		log_error("'%s' not found: not in /etc/ld.so.cache, not on $PATH (a library loaded "
			  "from elsewhere: give its path, or -p PID of a process using it)",
			  name);
	return -1;
}

/* ---- functions ---- */

struct matches {
	const struct sym **v;
	size_t n, cap;
};

static void collect(const struct sym *s, void *ctx)
{
	struct matches *m = ctx;

	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;
		const struct sym **v = realloc(m->v, cap * sizeof(*v));

		if (!v)
			return;
		m->v = v;
		m->cap = cap;
	}
	m->v[m->n++] = s;
}

static const struct out_col func_cols[] = {
    {"address", "ADDRESS", -12},	 {"size", "SIZE", 7},	      {"site", "SITE", -11},
    {"instruction", "INSTRUCTION", -28}, {"function", "FUNCTION", 0},
};

static void print_functions(const struct matches *m, const struct uprobe_site *sites,
			    enum out_format format)
{
	struct out *out = out__new(stdout, format, func_cols, NCOLS(func_cols));
	char addr[32];

	if (!out)
		return;
	out__header(out);
	for (size_t i = 0; i < m->n; i++) {
		hex_addr(addr, sizeof(addr), m->v[i]->addr);
		out__row_begin(out);
		out__str(out, addr);
		out__u64(out, m->v[i]->size);
		out__str(out, uprobe_site_kind_name(sites[i].kind));
		out__str(out, sites[i].mnemonic);
		out__str(out, m->v[i]->name);
		out__row_end(out);
	}
	out__free(out);
}

static int classify_and_print(const char *path, const struct matches *m, enum out_format format)
{
	struct uprobe_site *sites = calloc(m->n, sizeof(*sites));
	uint64_t *addrs = calloc(m->n, sizeof(*addrs));
	int err = sites && addrs ? 0 : -ENOMEM;

	for (size_t i = 0; !err && i < m->n; i++)
		addrs[i] = m->v[i]->addr;
	if (!err)
		err = uprobe_site_classify_many(path, addrs, m->n, sites);
	if (err)
		log_error("%s: cannot read code: %s", path, strerror(-err));
	else
		print_functions(m, sites, format);
	free(sites);
	free(addrs);
	return err ? 1 : 0;
}

static int list_functions(const struct common_opts *opts, const char *name, const char *glob)
{
	char path[PATH_MAX];
	struct matches m = {0};
	struct elf_syms *es;
	int ret;

	if (resolve_binary(name, opts->pid, path, sizeof(path)))
		return 1;
	es = elf_syms__open(path, debug_dir);
	if (!es) {
		log_error("%s: %s", path, errno == ENOEXEC ? "not an ELF binary" : strerror(errno));
		return 1;
	}
	elf_syms__glob(es, glob, collect, &m);
	if (!m.n) {
		log_error("no function matches '%s' in %s (%zu functions%s)", glob, path,
			  elf_syms__count(es),
			  elf_syms__stripped(es) ? "; stripped: only .dynsym was searched" : "");
		ret = 1;
	} else {
		if (elf_syms__stripped(es))
			log_warn("%s is stripped: only its dynamic symbols (.dynsym) are listed; "
				 "install its debug file or give --debug-dir",
				 path);
		ret = classify_and_print(path, &m, opts->format);
	}
	free(m.v);
	elf_syms__free(es);
	return ret;
}

/* ---- USDT ---- */

static const struct out_col usdt_cols[] = {
    {"provider", "PROVIDER", -14},   {"name", "NAME", -20}, {"address", "ADDRESS", -12},
    {"semaphore", "SEMAPHORE", -12}, {"args", "ARGS", 0},
};

static bool usdt_matches(const struct usdt_note *n, const char *glob)
{
	char full[sizeof(n->provider) + sizeof(n->name) + 1];

	snprintf(full, sizeof(full), "%s:%s", n->provider, n->name);
	return !fnmatch(glob, full, 0) || !fnmatch(glob, n->name, 0);
}

static void print_usdt_row(struct out *out, const struct usdt_note *n)
{
	char addr[32], sema[32];

	hex_addr(addr, sizeof(addr), n->pc);
	if (n->semaphore || out__format(out) == OUT_JSON)
		hex_addr(sema, sizeof(sema), n->semaphore);
	else
		snprintf(sema, sizeof(sema), "-");
	out__row_begin(out);
	out__str(out, n->provider);
	out__str(out, n->name);
	out__str(out, addr);
	out__str(out, sema);
	out__str(out, n->args);
	out__row_end(out);
}

static int list_usdt(const struct common_opts *opts, const char *name, const char *glob)
{
	char path[PATH_MAX];
	struct usdt_note *notes;
	struct out *out;
	int n, shown = 0;

	if (resolve_binary(name, opts->pid, path, sizeof(path)))
		return 1;
	n = usdt_notes_read(path, &notes);
	if (n < 0) {
		log_error("%s: %s", path, n == -ENOEXEC ? "not an ELF binary" : strerror(-n));
		return 1;
	}
	for (int i = 0; i < n; i++)
		shown += usdt_matches(&notes[i], glob);
	if (!shown) {
		if (n)
			log_error("no USDT probe matches '%s' in %s (%d probes)", glob, path, n);
		else
			log_error("%s has no USDT probes (no .note.stapsdt section)", path);
		free(notes);
		return 1;
	}
	out = out__new(stdout, opts->format, usdt_cols, NCOLS(usdt_cols));
	out__header(out);
	for (int i = 0; i < n; i++)
		if (usdt_matches(&notes[i], glob))
			print_usdt_row(out, &notes[i]);
	out__free(out);
	free(notes);
	return 0;
}

/* ---- tracepoints ---- */

static const struct out_col tp_cols[] = {
    {"tracepoint", "TRACEPOINT", -44},
    {"id", "ID", 6},
    {"fields", "FIELDS", 0},
};

static const struct out_col field_cols[] = {
    {"field", "FIELD", -20}, {"type", "TYPE", -26},   {"offset", "OFFSET", 6},
    {"size", "SIZE", 5},     {"signed", "SIGNED", 6}, {"kind", "KIND", 0},
};

static int by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_dir(DIR *parent, const char *name)
{
	struct stat st;

	return !fstatat(dirfd(parent), name, &st, 0) && S_ISDIR(st.st_mode);
}

static bool tp_matches(const char *glob, const char *cat, const char *name)
{
	char full[NAME_MAX * 2 + 2];

	snprintf(full, sizeof(full), "%s:%s", cat, name);
	return !fnmatch(glob, full, 0) || (!strchr(glob, ':') && !fnmatch(glob, name, 0));
}

/* Appends "cat:name" of every matching event under events/cat. */
static void scan_category(DIR *events, const char *cat, const char *glob, char ***names, size_t *n)
{
	int fd = openat(dirfd(events), cat, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *e;
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((e = readdir(d))) {
		char **grown, *full;

		if (e->d_name[0] == '.' || !tp_matches(glob, cat, e->d_name) ||
		    !is_dir(d, e->d_name))
			continue;
		grown = realloc(*names, (*n + 1) * sizeof(**names));
		if (!grown || asprintf(&full, "%s:%s", cat, e->d_name) < 0) {
			*names = grown ? grown : *names;
			break;
		}
		*names = grown;
		(*names)[(*n)++] = full;
	}
	closedir(d);
}

static void print_tracepoints(char **names, size_t n, enum out_format format)
{
	struct out *out = out__new(stdout, format, tp_cols, NCOLS(tp_cols));
	struct tp_format *f = malloc(sizeof(*f));

	out__header(out);
	for (size_t i = 0; f && i < n; i++) {
		char *colon = strchr(names[i], ':');
		int err;

		*colon = '\0';
		err = tpformat_load(names[i], colon + 1, f);
		*colon = ':';
		out__row_begin(out);
		out__str(out, names[i]);
		out__i64(out, err ? -1 : f->id);
		out__i64(out, err ? -1 : f->nfields);
		out__row_end(out);
	}
	free(f);
	out__free(out);
}

static const char *tracefs_events(char *buf, size_t len)
{
	const char *root = tracefs_root();

	if (!root) {
		log_error("tracefs is not mounted and cannot be mounted here (needs root)");
		return NULL;
	}
	snprintf(buf, len, "%s/events", root);
	return buf;
}

static int list_tracepoints(const struct common_opts *opts, const char *glob)
{
	char buf[PATH_MAX], **names = NULL;
	const char *events = tracefs_events(buf, sizeof(buf));
	struct dirent *e;
	size_t n = 0;
	DIR *d;

	if (!events)
		return 1;
	if (!(d = opendir(events))) {
		log_error("cannot read %s: %s", events, strerror(errno));
		return 1;
	}
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && is_dir(d, e->d_name))
			scan_category(d, e->d_name, glob, &names, &n);
	closedir(d);
	if (!n)
		log_error("no tracepoint matches '%s' (patterns look like 'sched:*' or '*:*exec*')",
			  glob);
	else {
		qsort(names, n, sizeof(*names), by_string);
		print_tracepoints(names, n, opts->format);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return n ? 0 : 1;
}

static const char *field_kind(const struct tp_field *f)
{
	if (f->is_data_loc)
		return f->is_string ? "string (__data_loc)" : "dynamic array (__data_loc)";
	if (!strncmp(f->type, "__rel_loc", 9))
		return "dynamic array (__rel_loc)";
	if (f->is_string)
		return "char array";
	if (f->array_len)
		return "array";
	return strchr(f->type, '*') ? "pointer" : "scalar";
}

static void print_fields(const struct tp_format *f, enum out_format format)
{
	struct out *out = out__new(stdout, format, field_cols, NCOLS(field_cols));

	if (format == OUT_TEXT)
		printf("%s:%s  id %d  %d fields after the common_* header\n", f->category, f->name,
		       f->id, f->nfields);
	out__header(out);
	for (int i = 0; i < f->nfields; i++) {
		const struct tp_field *fld = &f->fields[i];

		out__row_begin(out);
		out__str(out, fld->name);
		out__str(out, fld->type);
		out__u64(out, fld->offset);
		out__u64(out, fld->size);
		out__json(out, json_object_new_boolean(fld->is_signed));
		out__str(out, field_kind(fld));
		out__row_end(out);
	}
	out__free(out);
}

static int show_tracepoint(const struct common_opts *opts, const char *spec_arg)
{
	char cat[NAME_MAX + 1], buf[PATH_MAX];
	const char *colon = strchr(spec_arg, ':');
	struct tp_format *f;
	int err;

	if (!colon || colon == spec_arg || !colon[1] || (size_t)(colon - spec_arg) > NAME_MAX) {
		log_error("--tracepoint: '%s' is not CATEGORY:NAME (e.g. sched:sched_switch)",
			  spec_arg);
		return 1;
	}
	snprintf(cat, sizeof(cat), "%.*s", (int)(colon - spec_arg), spec_arg);
	if (!tracefs_events(buf, sizeof(buf)) || !(f = malloc(sizeof(*f))))
		return 1;
	err = tpformat_load(cat, colon + 1, f);
	if (err == -ENOENT || err == -EINVAL)
		log_error("no tracepoint %s (see 'bpfscope list --tracepoints \"%s:*\"')", spec_arg,
			  cat);
	else if (err)
		log_error("%s: cannot parse its format file: %s", spec_arg, strerror(-err));
	else
		print_fields(f, opts->format);
	free(f);
	return err ? 1 : 0;
}

/* ---- entry ---- */

static int run(const struct common_opts *opts, int argc, char **argv)
{
	if (tracepoint_name) {
		if (argc) {
			log_error("--tracepoint takes no other argument ('%s')", argv[0]);
			return 2;
		}
		return show_tracepoint(opts, tracepoint_name);
	}
	if (want_tracepoints) {
		if (argc > 1) {
			log_error("--tracepoints takes one GLOB ('%s' is extra)", argv[1]);
			return 2;
		}
		return list_tracepoints(opts, argc ? argv[0] : "*");
	}
	if (!argc) {
		log_error("which binary or library? (see 'bpfscope list --help')");
		return 2;
	}
	if (want_usdt)
		return list_usdt(opts, argv[0], argc > 1 ? argv[1] : "*");
	return list_functions(opts, argv[0], argc > 1 ? argv[1] : "*");
}

static const struct command cmd_list = {&spec, run, false};
REGISTER_COMMAND(cmd_list);
