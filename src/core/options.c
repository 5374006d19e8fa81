/* Option parsing and help generation from struct opt_def tables.
 *
 * The command's own table and the enabled common options are merged into
 * one list; getopt_long does the tokenising (clustering, --opt=value), and
 * every value is validated here so the user gets one precise error line. */
#include "core/options.h"

#include <errno.h>
#include <stddef.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/kbtf.h"
#include "core/log.h"
#include "core/otlp.h"
#include "core/serve.h"

#define MAX_OPTS 64

static int parse_pid(const char *arg, void *dest)
{
	long long pid;
	char path[64];

	if (parse_int(arg, 1, 4194304, &pid)) {
		log_error("-p: '%s' is not a process id", arg);
		return -1;
	}
	snprintf(path, sizeof(path), "/proc/%lld", pid);
	if (access(path, F_OK)) {
		log_error("-p: no process with pid %lld", pid);
		return -1;
	}
	*(int *)dest = (int)pid;
	return 0;
}

static int parse_comm(const char *arg, void *dest)
{
	if (!*arg || strlen(arg) > 15) {
		log_error("-c: '%s' is not a command name (1 to 15 characters, as in /proc/PID/comm)",
			  arg);
		return -1;
	}
	*(const char **)dest = arg;
	return 0;
}

static int parse_format(const char *arg, void *dest)
{
	if (!strcmp(arg, "text"))
		*(enum out_format *)dest = OUT_TEXT;
	else if (!strcmp(arg, "json"))
		*(enum out_format *)dest = OUT_JSON;
	else {
		log_error("-o: unknown output format '%s' (text, json)", arg);
		return -1;
	}
	return 0;
}

/* Each common option with the COMMON_* bit that enables it and where its
 * value goes in struct common_opts: one table, no parallel arrays. */
struct common_def {
	unsigned bit;
	size_t offset;
	struct opt_def def;
};

#define AT(field) offsetof(struct common_opts, field)

static struct common_def common_defs[] = {
	{ COMMON_PID, AT(pid), { "pid", 'p', OPT_CUSTOM, NULL, "PID",
	  "trace only this process (all its threads)", 0, 0, parse_pid } },
	{ COMMON_COMM, AT(comm), { "comm", 'c', OPT_CUSTOM, NULL, "COMM",
	  "trace only processes with this command name", 0, 0, parse_comm } },
	{ COMMON_CGROUP, AT(cgroup), { "cgroup", 0, OPT_STRING, NULL, "PATH",
	  "trace only tasks in this cgroup v2 (path or id)" } },
	{ COMMON_CGROUP, AT(container), { "container", 0, OPT_STRING, NULL, "ID",
	  "trace only this container (id or id prefix)" } },
	{ COMMON_CGROUP, AT(pod), { "pod", 0, OPT_STRING, NULL, "NAME",
	  "trace only the containers of this Kubernetes pod" } },
	{ COMMON_CGROUP, AT(k8s_namespace), { "namespace", 0, OPT_STRING, NULL, "NS",
	  "trace only pods of this Kubernetes namespace" } },
	{ COMMON_K8S, AT(k8s), { "kubernetes", 'K', OPT_FLAG, NULL, NULL,
	  "show container id, pod and namespace columns" } },
	{ COMMON_DURATION, AT(duration), { "duration", 'd', OPT_DOUBLE, NULL, "SECONDS",
	  "stop after this many seconds", 0.001, 1e9 } },
	{ COMMON_INTERVAL, AT(interval), { "interval", 'i', OPT_DOUBLE, NULL, "SECONDS",
	  "print aggregates every SECONDS", 0.01, 1e9 } },
	{ COMMON_OUTPUT, AT(format), { "output", 'o', OPT_CUSTOM, NULL, "FORMAT",
	  "output format: text (default) or json lines", 0, 0, parse_format } },
	{ COMMON_BTF, AT(btf), { "btf", 0, OPT_CUSTOM, NULL, "FILE",
	  "kernel BTF for a kernel without /sys/kernel/btf/vmlinux (see docs/kernels.md)", 0, 0,
	  kbtf_parse_option } },
	{ COMMON_SERVE, AT(serve), { "serve", 0, OPT_CUSTOM, NULL, "[ADDR:]PORT",
	  "serve /metrics, JSON APIs and the web UI over HTTP (127.0.0.1 unless ADDR)", 0, 0,
	  serve_parse_option } },
	{ COMMON_SERVE, AT(token_file), { "token-file", 0, OPT_STRING, NULL, "FILE",
	  "--serve requires 'Authorization: Bearer <first line of FILE>'" } },
	{ COMMON_SERVE | COMMON_OTLP, AT(otlp), { "otlp", 0, OPT_CUSTOM, NULL, "URL",
	  "export spans as OTLP/HTTP JSON to URL (http://HOST:PORT/v1/traces)", 0, 0,
	  otlp_parse_option } },
	{ COMMON_SERVE | COMMON_OTLP, AT(otlp_protobuf), { "otlp-protobuf", 0, OPT_FLAG, NULL, NULL,
	  "--otlp sends application/x-protobuf instead of JSON" } },
	{ ~0u, AT(verbose), { "verbose", 'v', OPT_COUNT, NULL, NULL,
	  "more diagnostics (-vv: libbpf and verifier logs)" } },
	{ ~0u, AT(help), { "help", 'h', OPT_FLAG, NULL, NULL, "show this help" } },
};

#define NCOMMON (sizeof(common_defs) / sizeof(common_defs[0]))

static void bind_common(struct common_opts *c)
{
	for (size_t i = 0; i < NCOMMON; i++)
		common_defs[i].def.dest = (char *)c + common_defs[i].offset;
}

/* Collects the command's options, then the enabled common ones. */
static int collect_defs(const struct cmd_spec *spec, const struct opt_def **defs)
{
	int n = 0;

	for (const struct opt_def *d = spec->opts; d && d->long_name && n < MAX_OPTS; d++)
		defs[n++] = d;
	for (size_t i = 0; i < NCOMMON && n < MAX_OPTS; i++)
		if (spec->common & common_defs[i].bit) /* -v, -h: ~0u, always */
			defs[n++] = &common_defs[i].def;
	return n;
}

static const char *opt_label(const struct opt_def *d, char *buf, size_t len)
{
	if (d->short_name)
		snprintf(buf, len, "-%c/--%s", d->short_name, d->long_name);
	else
		snprintf(buf, len, "--%s", d->long_name);
	return buf;
}

static int apply_numeric(const struct opt_def *d, const char *arg, const char *label)
{
	long long iv;
	double dv;
	int err;

	if (d->type == OPT_DOUBLE) {
		err = parse_double(arg, d->min, d->max, &dv);
		if (!err)
			*(double *)d->dest = dv;
	} else {
		err = parse_int(arg, (long long)d->min, (long long)d->max, &iv);
		if (!err && d->type == OPT_INT)
			*(int *)d->dest = (int)iv;
		else if (!err)
			*(uint64_t *)d->dest = (uint64_t)iv;
	}
	if (err == -EINVAL)
		log_error("%s: '%s' is not a number", label, arg);
	else if (err == -ERANGE)
		log_error("%s: %s is out of range [%g, %g]", label, arg, d->min, d->max);
	return err ? -1 : 0;
}

static int apply_opt(const struct opt_def *d, const char *arg)
{
	char label[64];

	opt_label(d, label, sizeof(label));
	switch (d->type) {
	case OPT_FLAG:
		*(bool *)d->dest = true;
		return 0;
	case OPT_COUNT:
		(*(int *)d->dest)++;
		return 0;
	case OPT_STRING:
		if (!*arg) {
			log_error("%s: empty value", label);
			return -1;
		}
		*(const char **)d->dest = arg;
		return 0;
	case OPT_CUSTOM:
		return d->parse(arg, d->dest) ? -1 : 0;
	default:
		return apply_numeric(d, arg, label);
	}
}

static void build_getopt(const struct opt_def **defs, int n, struct option *longs, char *shorts)
{
	char *s = shorts;

	*s++ = ':'; /* report a missing argument as ':' */
	for (int i = 0; i < n; i++) {
		bool has_arg = defs[i]->type != OPT_FLAG && defs[i]->type != OPT_COUNT;

		longs[i] = (struct option){ defs[i]->long_name, has_arg ? required_argument : no_argument,
					    NULL, 1000 + i };
		if (defs[i]->short_name) {
			*s++ = (char)defs[i]->short_name;
			if (has_arg)
				*s++ = ':';
		}
	}
	*s = 0;
	longs[n] = (struct option){ 0 };
}

static int find_short(const struct opt_def **defs, int n, int c)
{
	for (int i = 0; i < n; i++)
		if (defs[i]->short_name == c)
			return i;
	return -1;
}

static void report_getopt_error(int c, char **argv, const char *name)
{
	const char *bad = argv[optind - 1];

	if (c == ':')
		log_error("option '%s' needs a value (see 'bpfscope %s --help')", bad, name);
	else if (optopt && optopt < 1000)
		log_error("unknown option '-%c' (see 'bpfscope %s --help')", optopt, name);
	else
		log_error("unknown option '%s' (see 'bpfscope %s --help')", bad, name);
}

int opts_parse(const struct cmd_spec *spec, int argc, char **argv, struct common_opts *common)
{
	const struct opt_def *defs[MAX_OPTS];
	struct option longs[MAX_OPTS + 1];
	char shorts[MAX_OPTS * 2 + 2];
	int n, c, idx;

	bind_common(common);
	n = collect_defs(spec, defs);
	build_getopt(defs, n, longs, shorts);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		if (c == '?' || c == ':') {
			report_getopt_error(c, argv, spec->name);
			return -1;
		}
		idx = c >= 1000 ? c - 1000 : find_short(defs, n, c);
		if (idx < 0 || apply_opt(defs[idx], optarg))
			return -1;
	}
	log_verbosity = common->verbose;
	if (common->help) {
		opts_print_help(stdout, spec);
		return optind;
	}
	if (spec->max_args >= 0 && argc - optind > spec->max_args) {
		log_error("unexpected argument '%s' (see 'bpfscope %s --help')", argv[optind + spec->max_args],
			  spec->name);
		return -1;
	}
	return optind;
}

void opts_print_help(FILE *out, const struct cmd_spec *spec)
{
	const struct opt_def *defs[MAX_OPTS];
	int n = collect_defs(spec, defs);
	char left[80];

	fprintf(out, "Usage: bpfscope %s [OPTIONS]%s%s\n\n%s\n", spec->name, spec->args ? " " : "",
		spec->args ? spec->args : "", spec->summary);
	if (spec->details)
		fprintf(out, "\n%s\n", spec->details);
	fprintf(out, "\nOptions:\n");
	for (int i = 0; i < n; i++) {
		const struct opt_def *d = defs[i];
		int len = d->short_name ? snprintf(left, sizeof(left), "  -%c, --%s", d->short_name,
						   d->long_name)
					: snprintf(left, sizeof(left), "      --%s", d->long_name);

		if (d->metavar)
			snprintf(left + len, sizeof(left) - len, " %s", d->metavar);
		fprintf(out, "%-28s %s\n", left, d->help);
	}
}
