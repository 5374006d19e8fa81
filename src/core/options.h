/* Declarative command-line options.
 *
 * Each command declares its options once, as a table of struct opt_def; the
 * parser (getopt_long underneath) and the --help text are both generated from
 * that table, so help cannot drift from behaviour. Options that many commands
 * share (target selection, duration, output format) are declared here once
 * and switched on per command with a COMMON_* mask. */
#ifndef BPFSCOPE_OPTIONS_H
#define BPFSCOPE_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum opt_type {
	OPT_FLAG,   /* bool *, no argument */
	OPT_INT,    /* int *, range [min, max] */
	OPT_U64,    /* uint64_t *, range [min, max] */
	OPT_DOUBLE, /* double *, range [min, max] */
	OPT_STRING, /* const char **, non-empty */
	OPT_COUNT,  /* int *, incremented each time (-v -v) */
	OPT_CUSTOM, /* parse(arg, dest) returns 0 or prints its error and returns < 0 */
};

struct opt_def {
	const char *long_name; /* without "--" */
	int short_name;        /* 0 when none */
	enum opt_type type;
	void *dest;
	const char *metavar;   /* argument name in help, NULL for flags */
	const char *help;
	double min, max;       /* numeric range; both 0 means unbounded */
	int (*parse)(const char *arg, void *dest);
};

enum out_format { OUT_TEXT, OUT_JSON };

/* What the COMMON_* options fill in. */
struct common_opts {
	int pid;            /* -p: 0 means every process */
	const char *comm;   /* -c: NULL means any */
	const char *cgroup; /* --cgroup: cgroup v2 path, NULL means any */
	const char *container; /* --container: container id (prefix), NULL means any */
	const char *pod;       /* --pod: Kubernetes pod name, NULL means any */
	const char *k8s_namespace; /* --namespace: Kubernetes namespace, NULL means any */
	bool k8s;           /* -K: container/pod/namespace columns */
	double duration;    /* -d seconds: 0 means until Ctrl-C */
	double interval;    /* -i seconds: 0 means only at exit */
	enum out_format format;
	int verbose;
	bool help;
	const char *btf;    /* --btf: kernel BTF file for CO-RE, NULL: the kernel's own */
	const char *serve;      /* --serve [ADDR:]PORT: HTTP /metrics + UI (core/serve.h) */
	const char *token_file; /* --token-file: bearer token required by --serve */
	const char *otlp;       /* --otlp URL: OTLP/HTTP span export (core/otlp.h) */
	bool otlp_protobuf;     /* --otlp-protobuf: protobuf bodies instead of JSON */
};

enum {
	COMMON_PID = 1 << 0,
	COMMON_COMM = 1 << 1,
	COMMON_CGROUP = 1 << 2, /* also --container, --pod, --namespace */
	COMMON_DURATION = 1 << 3,
	COMMON_INTERVAL = 1 << 4,
	COMMON_OUTPUT = 1 << 5,
	COMMON_TARGET = COMMON_PID | COMMON_COMM | COMMON_CGROUP,
	COMMON_ALL = (1 << 6) - 1,
	/* --btf FILE (core/kbtf.h): only for tools that open their skeleton
	 * with it, so it is not part of COMMON_ALL. */
	COMMON_BTF = 1 << 6,
	COMMON_K8S = 1 << 7, /* -K: the command prints attribution columns */
	/* --serve, --token-file, --otlp: long-running commands that publish
	 * metrics (and spans) while they run (core/serve.h). */
	COMMON_SERVE = 1 << 8,
	COMMON_OTLP = 1 << 9, /* --otlp alone (commands without a live server) */
};

struct cmd_spec {
	const char *name;
	const char *summary;  /* one line, for `bpfscope --help` */
	const char *args;     /* positional arguments in usage, NULL if none */
	const char *details;  /* optional paragraph after usage, may be NULL */
	const struct opt_def *opts; /* terminated by an entry with long_name NULL */
	unsigned common;            /* COMMON_* mask */
	int max_args;               /* positional arguments allowed (-1 = any) */
};

/* Parses argv (argv[0] is the command name). On success returns the index of
 * the first positional argument. Prints one error line and returns -1 on bad
 * input. When --help was given, prints help to stdout and sets common->help. */
int opts_parse(const struct cmd_spec *spec, int argc, char **argv, struct common_opts *common);
void opts_print_help(FILE *out, const struct cmd_spec *spec);

/* Strict number parsing used by the table and by commands: the whole string
 * must be a number in range. */
int parse_double(const char *s, double min, double max, double *out);
int parse_int(const char *s, long long min, long long max, long long *out);

#endif
