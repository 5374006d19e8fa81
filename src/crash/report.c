/* See report.h. */
#include "crash/report.h"

#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"

const char *crash_signal_name(int sig)
{
	switch (sig) {
	case SIGILL: return "SIGILL";
	case SIGTRAP: return "SIGTRAP";
	case SIGABRT: return "SIGABRT";
	case SIGBUS: return "SIGBUS";
	case SIGFPE: return "SIGFPE";
	case SIGSEGV: return "SIGSEGV";
	case SIGSYS: return "SIGSYS";
	}
	return "signal";
}

struct code_name {
	int sig, code;
	const char *name, *what;
};

static const struct code_name codes[] = {
    {SIGSEGV, 1, "SEGV_MAPERR", "address not mapped"},
    {SIGSEGV, 2, "SEGV_ACCERR", "no permission for the access"},
    {SIGSEGV, 3, "SEGV_BNDERR", "bounds check failed"},
    {SIGSEGV, 4, "SEGV_PKUERR", "protection key"},
    {SIGBUS, 1, "BUS_ADRALN", "misaligned address"},
    {SIGBUS, 2, "BUS_ADRERR", "no such physical address (file truncated?)"},
    {SIGBUS, 3, "BUS_OBJERR", "hardware error"},
    {SIGILL, 1, "ILL_ILLOPC", "illegal opcode"},
    {SIGILL, 2, "ILL_ILLOPN", "illegal operand"},
    {SIGILL, 4, "ILL_ILLTRP", "illegal trap"},
    {SIGILL, 5, "ILL_PRVOPC", "privileged opcode"},
    {SIGFPE, 1, "FPE_INTDIV", "integer divide by zero"},
    {SIGFPE, 2, "FPE_INTOVF", "integer overflow"},
    {SIGFPE, 3, "FPE_FLTDIV", "floating-point divide by zero"},
    {SIGTRAP, 1, "TRAP_BRKPT", "breakpoint"},
    {SIGTRAP, 2, "TRAP_TRACE", "trace trap"},
    {SIGSYS, 1, "SYS_SECCOMP", "seccomp"},
    {0, 0, "SI_USER", "kill()"},
    {0, 0x80, "SI_KERNEL", "sent by the kernel"},
    {0, -1, "SI_QUEUE", "sigqueue()"},
    {0, -6, "SI_TKILL", "tkill/tgkill: raise(), abort()"},
};

void crash_code_text(int sig, int code, char *buf, size_t len)
{
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		bool generic = codes[i].sig == 0;

		if (codes[i].code == code &&
		    (generic ? code <= 0 || code == 0x80 : codes[i].sig == sig)) {
			snprintf(buf, len, "%s (%s)", codes[i].name, codes[i].what);
			return;
		}
	}
	snprintf(buf, len, "code %d", code);
}

bool crash_has_fault_addr(int sig, int code)
{
	return code > 0 && code != 0x80 && sig != SIGABRT;
}

static const char *const handler_names[] = {"default action (the process dies)", "ignored",
					    "the program's own handler"};
static const char *const reg_names[UNWIND_NREGS] = {"rax", "rdx", "rcx", "rbx", "rsi", "rdi",
						    "rbp", "rsp", "r8",	 "r9",	"r10", "r11",
						    "r12", "r13", "r14", "r15", "rip"};

static void line_text(FILE *out, const struct crash_line *l, bool with_tid)
{
	char when[64];

	clock_format_time(l->wall_ns, when, sizeof(when));
	fprintf(out, "  %s", when);
	if (with_tid)
		fprintf(out, " tid %-7u", l->tid);
	fprintf(out, " %s", l->probe);
	if (l->has_duration)
		fprintf(out, " duration=%.3fus", l->duration_ns / 1000.0);
	for (int i = 0; i < l->nfields; i++) {
		const struct crash_field *f = &l->fields[i];

		fprintf(out, " %s=%s%s%s", f->label, f->quoted ? "\"" : "", f->value,
			f->quoted ? "\"" : "");
	}
	fprintf(out, "%s\n", l->truncated ? " (truncated)" : "");
}

static void frame_text(FILE *out, int i, const struct unwind_frame *f)
{
	fprintf(out, "  #%-2d 0x%016" PRIx64 " ", i, f->pc);
	if (f->symbol[0])
		fprintf(out, "%s+0x%" PRIx64, f->symbol, f->offset);
	else if (f->module[0])
		fprintf(out, "[unknown] (0x%" PRIx64 " in the file)", f->offset);
	else
		fprintf(out, "[unknown]");
	fprintf(out, "%s%s%s\n", f->module[0] ? "  " : "", f->module, "");
}

static void header_text(FILE *out, const struct crash_report *r)
{
	char when[64], code[128];

	clock_format_iso(r->wall_ns, when, sizeof(when));
	crash_code_text(r->sig, r->code, code, sizeof(code));
	fprintf(out, "=== crash: %s in pid %u tid %u (%s) at %s\n", crash_signal_name(r->sig),
		r->pid, r->tid, r->comm, when);
	fprintf(out, "signal: %s %s", crash_signal_name(r->sig), code);
	if (crash_has_fault_addr(r->sig, r->code))
		fprintf(out, ", fault address 0x%" PRIx64, r->addr);
	else if (r->code <= 0)
		fprintf(out, ", sent by pid %u", r->sender_pid);
	fprintf(out, "; %s\n", handler_names[r->handler > 2 ? 0 : r->handler]);
	fprintf(out, "registers:");
	for (int i = 0; i < UNWIND_NREGS; i++)
		fprintf(out, "%s%s=0x%" PRIx64, i == 9 ? "\n          " : " ", reg_names[i],
			r->regs[i]);
	fputc('\n', out);
}

void crash_report_text(FILE *out, const struct crash_report *r)
{
	header_text(out, r);
	fprintf(out,
		"user stack (%d frames, unwound from %u bytes of stack copied at delivery; "
		"%s)%s%s:\n",
		r->unwind.n, r->stack_len, r->maps_source, r->unwind.complete ? ", complete" : "",
		r->unwind.complete ? "" : ", incomplete");
	if (r->unwind.note[0])
		fprintf(out, "  (%s)\n", r->unwind.note);
	for (int i = 0; i < r->unwind.n; i++)
		frame_text(out, i, &r->unwind.frames[i]);
	if (!r->unwind.complete)
		fprintf(out, "  unwinding stopped: %s\n", r->unwind.stop);
	fprintf(out, "kernel stack:\n");
	for (int i = 0; i < r->nkframes; i++)
		fprintf(out, "  %s\n", r->kframes[i].name);
	if (!r->has_ring)
		fprintf(out, "events: none recorded for this thread\n");
	else
		fprintf(out,
			"last %d events of thread %u (of %" PRIu64 " recorded), oldest first:\n",
			r->nevents, r->tid, r->ring_total);
	for (int i = 0; i < r->nevents; i++)
		line_text(out, &r->events[i], false);
	if (r->nothers)
		fprintf(out, "other threads, last event each:\n");
	for (int i = 0; i < r->nothers; i++)
		line_text(out, &r->others[i], true);
	if (r->notes[0])
		fprintf(out, "notes: %s\n", r->notes);
	fprintf(out, "===\n");
}

static struct json_object *line_json(const struct crash_line *l)
{
	struct json_object *o = json_object_new_object(), *fields = json_object_new_object();
	char when[64];

	clock_format_iso(l->wall_ns, when, sizeof(when));
	json_object_object_add(o, "time", json_object_new_string(when));
	json_object_object_add(o, "tid", json_object_new_uint64(l->tid));
	json_object_object_add(o, "probe", json_object_new_string(l->probe));
	if (l->has_duration)
		json_object_object_add(o, "duration_ns", json_object_new_uint64(l->duration_ns));
	for (int i = 0; i < l->nfields; i++) {
		const struct crash_field *f = &l->fields[i];
		char *end = NULL;
		unsigned long long u = 0;
		long long v = 0;

		errno = 0;
		if (f->numeric && f->value[0] == '-')
			v = strtoll(f->value, &end, 10);
		else if (f->numeric)
			u = strtoull(f->value, &end, 10);
		if (end && end != f->value && !*end && !errno)
			json_object_object_add(fields, f->label,
					       f->value[0] == '-' ? json_object_new_int64(v)
								  : json_object_new_uint64(u));
		else
			json_object_object_add(fields, f->label, json_object_new_string(f->value));
	}
	json_object_object_add(o, "fields", fields);
	if (l->truncated)
		json_object_object_add(o, "truncated", json_object_new_boolean(1));
	return o;
}

static struct json_object *hex_json(uint64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "0x%" PRIx64, v);
	return json_object_new_string(buf);
}

static struct json_object *frames_json(const struct crash_report *r)
{
	struct json_object *a = json_object_new_array();

	for (int i = 0; i < r->unwind.n; i++) {
		const struct unwind_frame *f = &r->unwind.frames[i];
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "pc", hex_json(f->pc));
		if (f->symbol[0])
			json_object_object_add(o, "symbol", json_object_new_string(f->symbol));
		json_object_object_add(o, "offset", hex_json(f->offset));
		if (f->module[0])
			json_object_object_add(o, "module", json_object_new_string(f->module));
		json_object_array_add(a, o);
	}
	return a;
}

static void add_signal_json(struct json_object *o, const struct crash_report *r)
{
	char code[128], when[64];

	clock_format_iso(r->wall_ns, when, sizeof(when));
	crash_code_text(r->sig, r->code, code, sizeof(code));
	json_object_object_add(o, "time", json_object_new_string(when));
	json_object_object_add(o, "pid", json_object_new_uint64(r->pid));
	json_object_object_add(o, "tid", json_object_new_uint64(r->tid));
	json_object_object_add(o, "comm", json_object_new_string(r->comm));
	json_object_object_add(o, "signal", json_object_new_string(crash_signal_name(r->sig)));
	json_object_object_add(o, "si_code", json_object_new_int(r->code));
	json_object_object_add(o, "code", json_object_new_string(code));
	if (crash_has_fault_addr(r->sig, r->code))
		json_object_object_add(o, "fault_address", hex_json(r->addr));
	else
		json_object_object_add(o, "sender_pid", json_object_new_uint64(r->sender_pid));
	json_object_object_add(o, "handler",
			       json_object_new_string(r->handler == CRASH_HANDLER_CUSTOM ? "custom"
						      : r->handler == CRASH_HANDLER_IGNORE
							  ? "ignore"
							  : "default"));
}

struct json_object *crash_report_json(const struct crash_report *r)
{
	struct json_object *o = json_object_new_object(), *regs = json_object_new_object();
	struct json_object *k = json_object_new_array(), *ev = json_object_new_array();
	struct json_object *oth = json_object_new_array();

	add_signal_json(o, r);
	for (int i = 0; i < UNWIND_NREGS; i++)
		json_object_object_add(regs, reg_names[i], hex_json(r->regs[i]));
	json_object_object_add(o, "registers", regs);
	json_object_object_add(o, "user_stack", frames_json(r));
	json_object_object_add(o, "unwind_complete", json_object_new_boolean(r->unwind.complete));
	if (!r->unwind.complete)
		json_object_object_add(o, "unwind_stopped", json_object_new_string(r->unwind.stop));
	if (r->unwind.note[0])
		json_object_object_add(o, "unwind_note", json_object_new_string(r->unwind.note));
	json_object_object_add(o, "stack_bytes", json_object_new_uint64(r->stack_len));
	json_object_object_add(o, "maps_source", json_object_new_string(r->maps_source));
	for (int i = 0; i < r->nkframes; i++)
		json_object_array_add(k, json_object_new_string(r->kframes[i].name));
	json_object_object_add(o, "kernel_stack", k);
	json_object_object_add(o, "events_recorded", json_object_new_uint64(r->ring_total));
	for (int i = 0; i < r->nevents; i++)
		json_object_array_add(ev, line_json(&r->events[i]));
	json_object_object_add(o, "events", ev);
	for (int i = 0; i < r->nothers; i++)
		json_object_array_add(oth, line_json(&r->others[i]));
	json_object_object_add(o, "other_threads", oth);
	if (r->notes[0])
		json_object_object_add(o, "notes", json_object_new_string(r->notes));
	return o;
}

bool crash_ratelimit_allow(struct crash_ratelimit *rl, uint64_t now_ns)
{
	const uint64_t minute = 60ULL * 1000000000ULL;

	if (rl->per_minute <= 0)
		return true;
	if (!rl->used || now_ns - rl->window_start_ns >= minute) {
		rl->window_start_ns = now_ns;
		rl->used = 0;
	}
	if (rl->used < rl->per_minute) {
		rl->used++;
		return true;
	}
	rl->suppressed++;
	return false;
}
