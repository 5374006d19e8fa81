/* bpfscope sslsniff: plaintext of TLS reads and writes at the OpenSSL API
 * (SSL_read, SSL_write and their _ex forms) in libssl, for all processes or
 * one. It shows secrets: a warning says so on every start. */
#include <stdio.h>

#include "bpf/sslsniff.h"
#include "core/clock.h"
#include "core/container.h"
#include "core/evtool.h"
#include "core/libprobe.h"
#include "core/output.h"
#include "sslsniff.skel.h"

static const char *lib = "libssl";
static int max_bytes = 256;

static const struct opt_def options[] = {
	{ "lib", 'l', OPT_STRING, &lib, "LIB", "libssl to probe: path or name (default libssl)" },
	{ "bytes", 'b', OPT_INT, &max_bytes, "N",
	  "show at most N bytes of each buffer (default 256)", 0, SSLSNIFF_DATA_MAX },
	{ 0 },
};

static const struct cmd_spec spec = {
	.name = "sslsniff",
	.summary = "show TLS plaintext read and written through OpenSSL (shows secrets)",
	.details = "Text output escapes non-printable bytes (\\n, \\xNN); JSON replaces bytes\n"
		   "that are not printable ASCII (other than newline and tab) with '.'.",
	.opts = options,
	.common = COMMON_TARGET | COMMON_K8S | COMMON_DURATION | COMMON_OUTPUT,
	.max_args = 0,
};

static const struct out_col columns[] = {
	{ "time", "TIME", -15 }, { "pid", "PID", 7 },	 { "comm", "COMM", -16 },
	{ "op", "OP", -5 },	 { "len", "LEN", 6 },	 { "latency_ms", "LAT(ms)", 8 },
	{ "data", "DATA", 0 },
};

/* dst holds 4 * n + 1 bytes. */
static void render(char *dst, const unsigned char *src, int n, bool json)
{
	for (int i = 0; i < n; i++) {
		unsigned char ch = src[i];

		if (ch >= 0x20 && ch < 0x7f && (json || ch != '\\'))
			*dst++ = ch;
		else if (json)
			*dst++ = ch == '\n' || ch == '\t' ? ch : '.';
		else
			dst += sprintf(dst, ch == '\n' ? "\\n" : ch == '\\' ? "\\\\" : "\\x%02x", ch);
	}
	*dst = 0;
}

static int on_event(void *ctx, const void *data, size_t size)
{
	static char shown[4 * SSLSNIFF_DATA_MAX + 1];
	const struct sslsniff_event *e = data;
	struct evtool_ctx *c = ctx;
	int n;

	if (size < sizeof(*e))
		return 0;
	n = (int)e->data_len < max_bytes ? (int)e->data_len : max_bytes;
	render(shown, (const unsigned char *)e->data, n, out__format(c->out) == OUT_JSON);
	out__row_begin(c->out);
	out__time(c->out, clock_mono_to_wall(e->ts_ns));
	out__u64(c->out, e->pid);
	out__str(c->out, e->comm);
	out__str(c->out, e->op == SSLSNIFF_WRITE ? "WRITE" : "READ");
	out__u64(c->out, e->len);
	out__double(c->out, e->latency_ns / 1e6, 3);
	if (c->opts->k8s)
		k8s_out(c->out, e->cgroup_id, e->pid);
	out__str(c->out, shown);
	out__row_end(c->out);
	return 0;
}

static const char secrets_warning[] =
	"this shows decrypted TLS traffic: passwords, tokens and personal data included";

/* The library's functions, on the opened skeleton. */
static int run_probes(struct sslsniff_bpf *s, const struct common_opts *opts)
{
	const struct uprobe_spec specs[] = {
		{ s->progs.ssl_write_entry, &s->links.ssl_write_entry, "SSL_write", false },
		{ s->progs.ssl_write_return, &s->links.ssl_write_return, "SSL_write", true },
		{ s->progs.ssl_read_entry, &s->links.ssl_read_entry, "SSL_read", false },
		{ s->progs.ssl_read_return, &s->links.ssl_read_return, "SSL_read", true },
		/* OpenSSL >= 1.1.1 */
		{ s->progs.ssl_write_ex_entry, &s->links.ssl_write_ex_entry, "SSL_write_ex", false,
		  true },
		{ s->progs.ssl_write_ex_return, &s->links.ssl_write_ex_return, "SSL_write_ex", true,
		  true },
		{ s->progs.ssl_read_ex_entry, &s->links.ssl_read_ex_entry, "SSL_read_ex", false,
		  true },
		{ s->progs.ssl_read_ex_return, &s->links.ssl_read_ex_return, "SSL_read_ex", true,
		  true },
	};
	const struct libprobe lp = { lib, specs, sizeof(specs) / sizeof(specs[0]), secrets_warning };
	const struct evtool tool = { columns, sizeof(columns) / sizeof(columns[0]), on_event };

	return libprobe_run(&lp, &tool, s->skeleton, opts);
}

SKEL_COMMAND(sslsniff, spec, run_probes);
