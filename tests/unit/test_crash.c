/* Crash recorder logic without BPF: maps snapshot parsing and the store,
 * load bias, CFI unwinding of this very process from a copy of its stack,
 * signal code names, report text and JSON, the per-minute bound. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/procmaps.h"
#include "core/unwind.h"
#include "crash/report.h"

static const char maps_text[] =
    "55d0c0a00000-55d0c0a01000 r--p 00000000 fd:01 1234 /opt/app/bin/server\n"
    "55d0c0a01000-55d0c0a05000 r-xp 00001000 fd:01 1234 /opt/app/bin/server\n"
    "55d0c0c00000-55d0c0c21000 rw-p 00000000 00:00 0 [heap]\n"
    "7f0000000000-7f0000001000 r-xp 00000000 00:00 0 \n"
    "7f1000028000-7f100019d000 r-xp 00028000 fd:01 99 /usr/lib/x86_64-linux-gnu/libc.so.6\n"
    "7f2000001000-7f2000002000 r-xp 00001000 fd:01 77 /tmp/plugin.so (deleted)\n"
    "7ffc00000000-7ffc00021000 rw-p 00000000 00:00 0 [stack]\n"
    "7ffc00100000-7ffc00102000 r-xp 00000000 00:00 0 [vdso]\n"
    "garbage line\n"
    "7f0500000000-7f0500001000 r-xp 00002000 fd:01 55 /usr/lib/libfirst.so";

static void test_maps_parse(void **state)
{
	struct procmaps m;

	(void)state;
	assert_int_equal(procmaps_parse(maps_text, &m), 0);
	assert_int_equal(m.n, 4); /* executable file mappings only */
	assert_string_equal(m.v[0].path, "/opt/app/bin/server");
	assert_true(m.v[0].start == 0x55d0c0a01000ULL && m.v[0].pgoff == 0x1000 &&
		    m.v[0].ino == 1234);
	/* sorted by address; " (deleted)" dropped; no newline at the end is fine */
	assert_string_equal(m.v[1].path, "/usr/lib/libfirst.so");
	assert_string_equal(m.v[2].path, "/usr/lib/x86_64-linux-gnu/libc.so.6");
	assert_string_equal(m.v[3].path, "/tmp/plugin.so");
	assert_ptr_equal(procmaps_find(&m, 0x7f1000030000ULL), &m.v[2]);
	assert_null(procmaps_find(&m, 0x7f100019d000ULL)); /* end is exclusive */
	assert_null(procmaps_find(&m, 0x55d0c0c00010ULL)); /* the heap is not kept */
	procmaps_free(&m);
	assert_int_equal(procmaps_parse("", &m), 0);
	assert_int_equal(m.n, 0);
}

static bool alive_none(pid_t pid)
{
	(void)pid;
	return false;
}

static void test_maps_store(void **state)
{
	struct procmaps_store *st = procmaps_store__new();
	const struct procmaps *self, *child;

	(void)state;
	assert_int_equal(procmaps_store__refresh(st, getpid()), 0);
	self = procmaps_store__get(st, getpid());
	assert_non_null(self);
	assert_true(self->n > 0);
	/* a child starts from its parent's snapshot */
	assert_int_equal(procmaps_store__fork(st, 999999999, getpid()), 0);
	child = procmaps_store__get(st, 999999999);
	assert_non_null(child);
	assert_int_equal(child->n, self->n);
	assert_string_equal(child->v[0].path, self->v[0].path);
	/* a process that is gone keeps its snapshot */
	assert_int_not_equal(procmaps_store__refresh(st, 999999999), 0);
	assert_non_null(procmaps_store__get(st, 999999999));
	assert_int_equal(procmaps_store__count(st), 2);
	/* pruning forgets a process only when found gone twice */
	procmaps_store__prune(st, alive_none);
	assert_int_equal(procmaps_store__count(st), 2);
	procmaps_store__prune(st, alive_none);
	assert_int_equal(procmaps_store__count(st), 0);
	assert_null(procmaps_store__get(st, getpid()));
	procmaps_store__free(st);
}

static void test_bias(void **state)
{
	/* PIE: text at file offset 0x1000 = vaddr 0x1000, mapped at 0x5555...1000 */
	const uint64_t pie[][3] = {{0x1000, 0x1000, 0x2000}};
	/* a segment whose vaddr and offset differ (data after a gap) */
	const uint64_t gap[][3] = {{0x2db8, 0x3db8, 0x100}};
	uint64_t bias;

	(void)state;
	assert_true(unwind_bias(pie, 1, 0x555555555000ULL, 0x1000, &bias));
	assert_true(bias == 0x555555554000ULL);
	assert_true(unwind_bias(gap, 1, 0x555555557000ULL, 0x2000, &bias));
	assert_true(bias == 0x555555557000ULL - 0x3000);
	assert_false(unwind_bias(pie, 1, 0x555555555000ULL, 0x9000, &bias));
}

/* ---- unwinding this process from a copy of its own stack ---- */

struct capture {
	uint64_t regs[UNWIND_NREGS];
	unsigned char stack[16384];
	size_t len;
};

static uint64_t stack_end(void)
{
	char line[512];
	uint64_t lo, hi, end = 0;
	FILE *f = fopen("/proc/self/maps", "r");

	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, "[stack]") && sscanf(line, "%lx-%lx", &lo, &hi) == 2)
			end = hi;
	if (f)
		fclose(f);
	return end;
}

/* Raw stack bytes, ASan's redzones included: not an application read. */
__attribute__((no_sanitize_address, noinline)) static void copy_raw(unsigned char *to,
								    uint64_t from, size_t len)
{
	for (size_t i = 0; i < len; i++)
		to[i] = ((volatile const unsigned char *)from)[i];
}

__attribute__((noinline)) static void capture_here(struct capture *c)
{
	uint64_t *r = c->regs, sp, end = stack_end();

	/* callee-saved registers, sp and pc, in DWARF order (rbx 3, rbp 6,
	 * rsp 7, r12..r15 12..15, rip 16), all read in one asm block */
	__asm__ volatile("movq %%rbx, 24(%0)\n\t"
			 "movq %%rbp, 48(%0)\n\t"
			 "movq %%rsp, 56(%0)\n\t"
			 "movq %%r12, 96(%0)\n\t"
			 "movq %%r13, 104(%0)\n\t"
			 "movq %%r14, 112(%0)\n\t"
			 "movq %%r15, 120(%0)\n\t"
			 "leaq 0(%%rip), %%rax\n\t"
			 "movq %%rax, 128(%0)\n\t"
			 :
			 : "r"(r)
			 : "rax", "memory");
	sp = r[7];
	c->len = end > sp && end - sp < sizeof(c->stack) ? end - sp : sizeof(c->stack);
	copy_raw(c->stack, sp, c->len);
}

__attribute__((noinline)) static void unwind_caller(struct capture *c)
{
	capture_here(c);
	__asm__ volatile("" ::: "memory"); /* no tail call */
}

static void test_unwind_self(void **state)
{
	struct capture *c = calloc(1, sizeof(*c));
	struct unwind_result *res = calloc(1, sizeof(*res));
	struct procmaps maps;
	bool main_seen = false;

	(void)state;
	unwind_caller(c);
	assert_int_equal(procmaps_read(getpid(), &maps), 0);
	assert_int_equal(unwind_user(getpid(), &maps, c->regs, c->regs[7], c->stack, c->len, res),
			 0);
	assert_true(res->n >= 3);
	assert_string_equal(res->frames[0].symbol, "capture_here");
	assert_string_equal(res->frames[1].symbol, "unwind_caller");
	assert_string_equal(res->frames[2].symbol, "test_unwind_self");
	assert_non_null(strstr(res->frames[0].module, "test_crash"));
	for (int i = 0; i < res->n; i++)
		main_seen = main_seen || !strcmp(res->frames[i].symbol, "main");
	assert_true(main_seen);
	/* a call to address 0 from capture_here: the return address on top of
	 * the stack, the pc 0 */
	{
		struct capture *z = calloc(1, sizeof(*z));

		memcpy(z->regs, c->regs, sizeof(z->regs));
		memcpy(z->stack, &c->regs[16], 8);
		memcpy(z->stack + 8, c->stack,
		       c->len < sizeof(z->stack) - 8 ? c->len : sizeof(z->stack) - 8);
		z->regs[7] -= 8;
		z->regs[16] = 0;
		assert_int_equal(
		    unwind_user(getpid(), &maps, z->regs, z->regs[7], z->stack,
				c->len + 8 < sizeof(z->stack) ? c->len + 8 : sizeof(z->stack), res),
		    0);
		assert_true(res->n >= 3);
		assert_true(res->frames[0].pc == 0);
		assert_string_equal(res->frames[1].symbol, "capture_here");
		assert_string_equal(res->frames[2].symbol, "unwind_caller");
		assert_non_null(strstr(res->note, "bad pointer"));
		free(z);
	}
	/* a stack copy cut short: the stop reason says so */
	assert_int_equal(unwind_user(getpid(), &maps, c->regs, c->regs[7], c->stack, 16, res), 0);
	assert_false(res->complete);
	assert_true(res->n >= 1);
	assert_non_null(strstr(res->stop, "stack copy"));
	procmaps_free(&maps);
	free(res);
	free(c);
}

/* ---- names, report formats, rate limit ---- */

static void test_codes(void **state)
{
	char buf[128];

	(void)state;
	crash_code_text(SIGSEGV, 1, buf, sizeof(buf));
	assert_string_equal(buf, "SEGV_MAPERR (address not mapped)");
	crash_code_text(SIGABRT, -6, buf, sizeof(buf));
	assert_string_equal(buf, "SI_TKILL (tkill/tgkill: raise(), abort())");
	crash_code_text(SIGBUS, 2, buf, sizeof(buf));
	assert_non_null(strstr(buf, "BUS_ADRERR"));
	crash_code_text(SIGSEGV, 77, buf, sizeof(buf));
	assert_string_equal(buf, "code 77");
	assert_true(crash_has_fault_addr(SIGSEGV, 1));
	assert_false(crash_has_fault_addr(SIGABRT, -6));
	assert_false(crash_has_fault_addr(SIGSEGV, 0x80)); /* SI_KERNEL: no address */
	assert_string_equal(crash_signal_name(SIGFPE), "SIGFPE");
}

static struct crash_report *sample_report(void)
{
	struct crash_report *r = calloc(1, sizeof(*r));
	struct crash_line *l;

	r->pid = 10;
	r->tid = 11;
	strcpy(r->comm, "app");
	r->sig = SIGSEGV;
	r->code = 1;
	r->addr = 0xdead;
	r->wall_ns = 1000000000ULL * 1800000000ULL;
	r->regs[16] = 0x401010;
	r->stack_len = 4096;
	r->unwind.n = 2;
	r->unwind.frames[0] = (struct unwind_frame){0x401010, "leaf", 0x10, "/bin/app"};
	r->unwind.frames[1] = (struct unwind_frame){0x7000, "", 0x7000, ""};
	strcpy(r->unwind.stop, "pc 0x7000 is in no mapped file");
	r->nkframes = 1;
	strcpy(r->kframes[0].name, "get_signal+0x279");
	strcpy(r->maps_source, "2 mappings read at the crash");
	r->has_ring = true;
	r->ring_total = 3;
	r->nevents = 1;
	r->events = l = calloc(1, sizeof(*l));
	l->tid = 11;
	strcpy(l->probe, "u:app:read_buf");
	l->nfields = 4;
	l->fields[0] = (struct crash_field){"len", "4096", false, true};
	l->fields[1] = (struct crash_field){"str(buf)", "GET", true, false};
	l->fields[2] = (struct crash_field){"delta", "-5", false, true};
	l->fields[3] = (struct crash_field){"max", "18446744073709551615", false, true};
	l->truncated = true;
	return r;
}

static void free_sample(struct crash_report *r)
{
	free(r->events);
	free(r);
}

static void test_report_text(void **state)
{
	struct crash_report *r = sample_report();
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	crash_report_text(f, r);
	fclose(f);
	assert_non_null(
	    strstr(text, "=== crash: SIGSEGV in pid 10 tid 11 (app) at 2027-01-15T08:00:00"));
	assert_non_null(strstr(text, "signal: SIGSEGV SEGV_MAPERR (address not mapped), fault "
				     "address 0xdead; default action"));
	assert_non_null(strstr(text, "  #0  0x0000000000401010 leaf+0x10  /bin/app\n"));
	assert_non_null(strstr(text, "  #1  0x0000000000007000 [unknown]\n"));
	assert_non_null(strstr(text, ", incomplete:\n"));
	assert_non_null(strstr(text, "  unwinding stopped: pc 0x7000 is in no mapped file\n"));
	assert_non_null(strstr(text, "kernel stack:\n  get_signal+0x279\n"));
	assert_non_null(
	    strstr(text, "last 1 events of thread 11 (of 3 recorded), oldest first:\n"));
	assert_non_null(strstr(text, " u:app:read_buf len=4096 str(buf)=\"GET\" delta=-5 "
				     "max=18446744073709551615 (truncated)\n"));
	assert_non_null(strstr(text, "rip=0x401010"));
	assert_true(len > 6 && !strcmp(text + len - 4, "===\n"));
	free(text);
	free_sample(r);
}

static void test_report_json(void **state)
{
	struct crash_report *r = sample_report();
	struct json_object *o = crash_report_json(r), *v, *ev, *fields;

	(void)state;
	assert_true(json_object_object_get_ex(o, "fault_address", &v));
	assert_string_equal(json_object_get_string(v), "0xdead");
	assert_true(json_object_object_get_ex(o, "unwind_complete", &v));
	assert_false(json_object_get_boolean(v));
	assert_true(json_object_object_get_ex(o, "unwind_stopped", &v));
	assert_true(json_object_object_get_ex(o, "user_stack", &v));
	assert_int_equal(json_object_array_length(v), 2);
	assert_true(json_object_object_get_ex(json_object_array_get_idx(v, 0), "symbol", &v));
	assert_string_equal(json_object_get_string(v), "leaf");
	assert_true(json_object_object_get_ex(o, "events", &ev));
	assert_true(json_object_object_get_ex(json_object_array_get_idx(ev, 0), "fields", &fields));
	assert_true(json_object_object_get_ex(fields, "len", &v));
	assert_true(json_object_is_type(v, json_type_int)); /* numbers stay numbers */
	assert_int_equal(json_object_get_int64(v), 4096);
	assert_true(json_object_object_get_ex(fields, "str(buf)", &v));
	assert_string_equal(json_object_get_string(v), "GET");
	assert_true(json_object_object_get_ex(fields, "delta", &v));
	assert_int_equal(json_object_get_int64(v), -5);
	assert_true(json_object_object_get_ex(fields, "max", &v));
	assert_true(json_object_get_uint64(v) == UINT64_MAX); /* above INT64_MAX, still a number */
	assert_false(json_object_object_get_ex(o, "sender_pid", &v));
	json_object_put(o);
	/* abort(): a sender, no fault address */
	r->sig = SIGABRT;
	r->code = -6;
	r->sender_pid = 10;
	o = crash_report_json(r);
	assert_false(json_object_object_get_ex(o, "fault_address", &v));
	assert_true(json_object_object_get_ex(o, "sender_pid", &v));
	assert_int_equal(json_object_get_int(v), 10);
	json_object_put(o);
	free_sample(r);
}

static void test_ratelimit(void **state)
{
	const uint64_t s = 1000000000ULL;
	struct crash_ratelimit rl = {.per_minute = 2};
	struct crash_ratelimit none = {.per_minute = 0};

	(void)state;
	assert_true(crash_ratelimit_allow(&rl, 100 * s));
	assert_true(crash_ratelimit_allow(&rl, 101 * s));
	assert_false(crash_ratelimit_allow(&rl, 102 * s));
	assert_false(crash_ratelimit_allow(&rl, 159 * s));
	assert_int_equal(rl.suppressed, 2);
	assert_true(crash_ratelimit_allow(&rl, 160 * s)); /* a new window */
	assert_true(crash_ratelimit_allow(&rl, 161 * s));
	assert_false(crash_ratelimit_allow(&rl, 162 * s));
	for (int i = 0; i < 1000; i++)
		assert_true(crash_ratelimit_allow(&none, (uint64_t)i));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_maps_parse),	cmocka_unit_test(test_maps_store),
	    cmocka_unit_test(test_bias),	cmocka_unit_test(test_unwind_self),
	    cmocka_unit_test(test_codes),	cmocka_unit_test(test_report_text),
	    cmocka_unit_test(test_report_json), cmocka_unit_test(test_ratelimit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
