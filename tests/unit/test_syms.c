/* Symbols: this test's own binary (built with -g, so it has .symtab), copies
 * of it stripped with objcopy (with and without a separate debug file), an
 * exported function of a stripped shared library (libcmocka, .dynsym only),
 * a deleted mapped file, and /proc/kallsyms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <link.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/syms.h"

/* Known functions of this binary; non-static so they are in .symtab. */
__attribute__((noinline)) int bpfscope_test_target(int x)
{
	__asm__ volatile("" ::: "memory");
	return x * 3 + 1;
}

__attribute__((noinline)) int bpfscope_test_other(int x)
{
	__asm__ volatile("" ::: "memory");
	return x * 5 + 2;
}

/* A function whose symbol is a C++ mangled name: foo::bar(int). */
int bpfscope_mangled(int x) __asm__("_ZN3foo3barEi");
__attribute__((noinline)) int bpfscope_mangled(int x)
{
	__asm__ volatile("" ::: "memory");
	return x - 1;
}

static char tmpdir[] = "/tmp/bpfscope-syms-XXXXXX";
static char self_path[PATH_MAX]; /* this test binary */

static const char *tmp(const char *name)
{
	static char buf[4][PATH_MAX];
	static int next;
	char *p = buf[next++ % 4];

	snprintf(p, PATH_MAX, "%s/%s", tmpdir, name);
	return p;
}

static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
	char cmd[4 * PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* Copies of this binary: stripped, and stripped with debug files. */
static int setup(void **state)
{
	ssize_t n = readlink("/proc/self/exe", self_path, sizeof(self_path) - 1);

	(void)state;
	if (n <= 0 || !mkdtemp(tmpdir))
		return -1;
	self_path[n] = '\0';
	return run(
	    "cd %s && cp %s exe && objcopy --strip-all exe stripped &&"
	    " objcopy --only-keep-debug exe exe.debug &&"
	    " objcopy --strip-all --add-gnu-debuglink=exe.debug exe linked &&"
	    " objcopy --only-keep-debug --remove-section=.note.gnu.build-id exe nobid.debug &&"
	    " objcopy --strip-all --add-gnu-debuglink=nobid.debug exe linked_crc &&"
	    " echo 'not an ELF file' > text",
	    tmpdir, self_path);
}

static int teardown(void **state)
{
	(void)state;
	syms_cache_clear();
	return run("rm -rf %s", tmpdir);
}

static int load_bias(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	*(uint64_t *)data = info->dlpi_addr;
	return 1; /* the first object is the main program */
}

/* ELF virtual address of a function of this binary. */
static uint64_t self_vaddr(void *fn)
{
	uint64_t bias = 0;

	dl_iterate_phdr(load_bias, &bias);
	return (uint64_t)(uintptr_t)fn - bias;
}

static void test_self_symbols(void **state)
{
	struct elf_syms *es = elf_syms__open("/proc/self/exe", NULL);
	const struct sym *s, *o;

	(void)state;
	assert_non_null(es);
	assert_false(elf_syms__stripped(es));
	assert_null(elf_syms__debug_file(es));
	assert_true(elf_syms__count(es) > 3);
	assert_int_equal(strlen(elf_syms__build_id(es)), 40);

	s = elf_syms__by_name(es, "bpfscope_test_target");
	assert_non_null(s);
	assert_string_equal(s->name, "bpfscope_test_target");
	assert_string_equal(s->raw_name, "bpfscope_test_target");
	assert_int_equal(s->addr, self_vaddr((void *)bpfscope_test_target));
	assert_true(s->size > 0);
	assert_ptr_equal(elf_syms__find(es, s->addr), s);
	assert_ptr_equal(elf_syms__find(es, s->addr + s->size / 2), s);
	assert_ptr_equal(elf_syms__find(es, s->addr + s->size - 1), s);

	o = elf_syms__by_name(es, "bpfscope_test_other");
	assert_non_null(o);
	assert_ptr_equal(elf_syms__find(es, self_vaddr((void *)bpfscope_test_other)), o);
	assert_null(elf_syms__by_name(es, "no_such_function_anywhere"));
	assert_null(elf_syms__find(es, 0));
	elf_syms__free(es);
}

static void test_demangled_symbol(void **state)
{
	struct elf_syms *es = elf_syms__open("/proc/self/exe", NULL);
	const struct sym *s;

	(void)state;
	assert_non_null(es);
	s = elf_syms__by_name(es, "foo::bar(int)");
	assert_non_null(s);
	assert_string_equal(s->raw_name, "_ZN3foo3barEi");
	assert_string_equal(s->name, "foo::bar(int)");
	assert_ptr_equal(elf_syms__by_name(es, "_ZN3foo3barEi"), s);
	assert_ptr_equal(elf_syms__find(es, self_vaddr((void *)bpfscope_mangled)), s);
	elf_syms__free(es);
}

struct seen {
	int target, other, mangled, n;
};

static void on_match(const struct sym *s, void *ctx)
{
	struct seen *seen = ctx;

	seen->n++;
	seen->target += !strcmp(s->name, "bpfscope_test_target");
	seen->other += !strcmp(s->name, "bpfscope_test_other");
	seen->mangled += !strcmp(s->name, "foo::bar(int)");
}

static void test_glob(void **state)
{
	struct elf_syms *es = elf_syms__open("/proc/self/exe", NULL);
	struct seen seen = {0};

	(void)state;
	assert_non_null(es);
	assert_int_equal(elf_syms__glob(es, "bpfscope_test_*", on_match, &seen), 2);
	assert_int_equal(seen.n, 2);
	assert_int_equal(seen.target, 1);
	assert_int_equal(seen.other, 1);

	memset(&seen, 0, sizeof(seen));
	assert_int_equal(elf_syms__glob(es, "foo::*", on_match, &seen), 1); /* demangled */
	assert_int_equal(seen.mangled, 1);
	assert_int_equal(elf_syms__glob(es, "_ZN3foo*", NULL, NULL), 1); /* raw */
	assert_int_equal(elf_syms__glob(es, "*", NULL, NULL), elf_syms__count(es));
	assert_int_equal(elf_syms__glob(es, "nothing_like_this_*", NULL, NULL), 0);
	elf_syms__free(es);
}

static void test_demangle(void **state)
{
	char *d = syms_demangle("_ZN3foo3barEi");

	(void)state;
	assert_non_null(d);
	assert_string_equal(d, "foo::bar(int)");
	free(d);
	assert_null(syms_demangle("main"));
	assert_null(syms_demangle("foo__bar"));
	assert_null(syms_demangle(""));
	assert_null(syms_demangle(NULL));
}

static void test_open_errors(void **state)
{
	(void)state;
	errno = 0;
	assert_null(elf_syms__open("/nonexistent/bpfscope/binary", NULL));
	assert_int_equal(errno, ENOENT);
	errno = 0;
	assert_null(elf_syms__open(tmp("text"), NULL));
	assert_int_equal(errno, ENOEXEC);
}

static void test_offset_to_vaddr(void **state)
{
	struct elf_syms *es = elf_syms__open("/proc/self/exe", NULL);
	uint64_t vaddr = 0;
	FILE *f = fopen("/proc/self/maps", "r");
	char line[PATH_MAX + 128];
	uint64_t start = 0, end = 0, off = 0, fn = (uintptr_t)bpfscope_test_target;
	bool found = false;

	(void)state;
	assert_non_null(es);
	assert_non_null(f);
	/* The file offset the kernel maps fn from must translate to its vaddr. */
	while (!found && fgets(line, sizeof(line), f))
		found =
		    sscanf(line, "%" SCNx64 "-%" SCNx64 " %*s %" SCNx64, &start, &end, &off) == 3 &&
		    fn >= start && fn < end;
	fclose(f);
	assert_true(found);
	assert_true(elf_syms__offset_to_vaddr(es, fn - start + off, &vaddr));
	assert_int_equal(vaddr, self_vaddr((void *)bpfscope_test_target));
	assert_false(elf_syms__offset_to_vaddr(es, 1ULL << 40, &vaddr));
	elf_syms__free(es);
}

static void test_stripped(void **state)
{
	struct elf_syms *full = elf_syms__open(tmp("exe"), NULL);
	struct elf_syms *es = elf_syms__open(tmp("stripped"), NULL);

	(void)state;
	assert_non_null(full);
	assert_non_null(es);
	assert_true(elf_syms__stripped(es));
	assert_null(elf_syms__debug_file(es));
	assert_null(elf_syms__by_name(es, "bpfscope_test_target"));
	assert_true(elf_syms__count(es) < elf_syms__count(full));
	assert_string_equal(elf_syms__build_id(es), elf_syms__build_id(full));
	elf_syms__free(es);
	elf_syms__free(full);
}

static void assert_debug_found(const char *bin, const char *debug_dir, const char *expect)
{
	struct elf_syms *es = elf_syms__open(bin, debug_dir);
	const struct sym *s;

	assert_non_null(es);
	assert_false(elf_syms__stripped(es));
	assert_non_null(elf_syms__debug_file(es));
	assert_string_equal(elf_syms__debug_file(es), expect);
	s = elf_syms__by_name(es, "bpfscope_test_target");
	assert_non_null(s);
	assert_int_equal(s->addr, self_vaddr((void *)bpfscope_test_target));
	assert_ptr_equal(elf_syms__find(es, s->addr + 1), s);
	elf_syms__free(es);
}

static void test_debuglink(void **state)
{
	(void)state;
	/* Same directory. */
	assert_debug_found(tmp("linked"), NULL, tmp("exe.debug"));
	/* .debug/ subdirectory. */
	assert_int_equal(run("cd %s && mkdir -p .debug && mv exe.debug .debug/", tmpdir), 0);
	assert_debug_found(tmp("linked"), NULL, tmp(".debug/exe.debug"));
	/* debug_dir, searched first. */
	assert_int_equal(run("cd %s && mkdir -p dd && cp .debug/exe.debug dd/", tmpdir), 0);
	assert_debug_found(tmp("linked"), tmp("dd"), tmp("dd/exe.debug"));
	assert_int_equal(run("cd %s && rm -rf .debug dd", tmpdir), 0);
}

/* The build-id layout, here under debug_dir; "stripped" has no debuglink. */
static void test_build_id_path(void **state)
{
	struct elf_syms *es = elf_syms__open(tmp("exe"), NULL);
	char path[PATH_MAX];
	const char *id;

	(void)state;
	assert_non_null(es);
	id = elf_syms__build_id(es);
	assert_int_equal(run("cd %s && mkdir -p bid/.build-id/%.2s &&"
			     " objcopy --only-keep-debug exe bid/.build-id/%.2s/%s.debug",
			     tmpdir, id, id, id + 2),
			 0);
	snprintf(path, sizeof(path), "%s/bid/.build-id/%.2s/%s.debug", tmpdir, id, id + 2);
	elf_syms__free(es);
	assert_debug_found(tmp("stripped"), tmp("bid"), path);
}

/* Without build-ids to compare, the debuglink CRC decides. */
static void test_debuglink_crc(void **state)
{
	struct elf_syms *es;

	(void)state;
	assert_debug_found(tmp("linked_crc"), NULL, tmp("nobid.debug"));
	assert_int_equal(run("echo >> %s", tmp("nobid.debug")), 0); /* CRC no longer matches */
	es = elf_syms__open(tmp("linked_crc"), NULL);
	assert_non_null(es);
	assert_true(elf_syms__stripped(es));
	assert_null(elf_syms__debug_file(es));
	elf_syms__free(es);
}

static void test_proc_self(void **state)
{
	struct proc_syms *ps = proc_syms__new(getpid());
	uint64_t addr = (uintptr_t)bpfscope_test_target + 4, offset = 0;
	const struct sym *s = NULL;
	const char *module = NULL;
	char buf[256];

	(void)state;
	assert_non_null(ps);
	assert_true(proc_syms__resolve(ps, addr, &s, &module, &offset));
	assert_string_equal(s->name, "bpfscope_test_target");
	assert_string_equal(module, self_path);
	assert_int_equal(offset, 4);
	syms_format(buf, sizeof(buf), s, module, addr, offset);
	assert_string_equal(buf, "bpfscope_test_target+0x4");

	assert_false(proc_syms__resolve(ps, 16, &s, &module, &offset));
	assert_null(s);
	assert_null(module);
	syms_format(buf, sizeof(buf), s, module, 16, offset);
	assert_string_equal(buf, "[unknown]");
	proc_syms__free(ps);
}

/* libcmocka is a stripped shared library: only .dynsym names it. */
static void test_proc_shared_library(void **state)
{
	struct proc_syms *ps = proc_syms__new(getpid());
	void *fn = (void *)_cmocka_run_group_tests;
	const struct sym *s = NULL;
	const char *module = NULL;
	uint64_t offset = 1;
	Dl_info info;

	(void)state;
	assert_non_null(ps);
	assert_true(dladdr(fn, &info));
	assert_true(proc_syms__resolve(ps, (uintptr_t)fn, &s, &module, &offset));
	assert_string_equal(s->name, "_cmocka_run_group_tests");
	assert_non_null(strstr(module, "libcmocka"));
	assert_int_equal(offset, 0);
	proc_syms__free(ps);
}

/* Cached tables are shared between processes and outlive a cache clear. */
static void test_proc_cache(void **state)
{
	struct proc_syms *a = proc_syms__new(getpid()), *b = proc_syms__new(getpid());
	uint64_t addr = (uintptr_t)bpfscope_test_other, off;
	const struct sym *sa, *sb;
	const char *module;

	(void)state;
	assert_true(proc_syms__resolve(a, addr, &sa, &module, &off));
	assert_true(proc_syms__resolve(b, addr, &sb, &module, &off));
	assert_ptr_equal(sa, sb);
	syms_cache_clear();
	assert_true(proc_syms__resolve(a, addr, &sa, &module, &off));
	assert_string_equal(sa->name, "bpfscope_test_other");
	proc_syms__free(a);
	proc_syms__free(b);
	errno = 0;
	assert_null(proc_syms__new(-1));
	assert_int_equal(errno, EINVAL);
	assert_null(proc_syms__new(INT_MAX));
	assert_int_equal(errno, ENOENT);
}

/* Opening files under /proc/PID/map_files needs CAP_SYS_ADMIN. */
static bool can_open_map_files(void)
{
	char line[PATH_MAX + 128], path[128];
	uint64_t start = 0, end = 0;
	FILE *f = fopen("/proc/self/maps", "r");
	int fd = -1;

	while (f && fd < 0 && fgets(line, sizeof(line), f)) {
		if (!strchr(line, '/') || sscanf(line, "%" SCNx64 "-%" SCNx64, &start, &end) != 2)
			continue; /* map_files lists file mappings only */
		snprintf(path, sizeof(path), "/proc/self/map_files/%" PRIx64 "-%" PRIx64, start,
			 end);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		break;
	}
	if (f)
		fclose(f);
	if (fd >= 0)
		close(fd);
	return fd >= 0;
}

/* A mapped file that was deleted is still read, through map_files. */
static void test_proc_deleted(void **state)
{
	Dl_info info;
	char path[PATH_MAX];
	void *h, *fn;
	struct proc_syms *ps;
	const struct sym *s = NULL;
	const char *module = NULL;
	uint64_t offset;

	(void)state;
	if (!can_open_map_files())
		skip();
	assert_true(dladdr((void *)_cmocka_run_group_tests, &info));
	snprintf(path, sizeof(path), "%s/libcopy.so", tmpdir);
	assert_int_equal(run("cp %s %s", info.dli_fname, path), 0);
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	assert_non_null(h);
	fn = dlsym(h, "_cmocka_run_group_tests");
	assert_non_null(fn);
	assert_ptr_not_equal(fn, (void *)_cmocka_run_group_tests);
	assert_int_equal(unlink(path), 0);

	ps = proc_syms__new(getpid());
	assert_non_null(ps);
	assert_true(proc_syms__resolve(ps, (uintptr_t)fn + 2, &s, &module, &offset));
	assert_string_equal(s->name, "_cmocka_run_group_tests");
	assert_string_equal(module, path); /* without " (deleted)" */
	assert_int_equal(offset, 2);
	proc_syms__free(ps);
	dlclose(h);
}

/* Child: in a new mount namespace, bind-mounts dir "ns_src" over "ns_view"
 * and loads ns_view/lib.so, visible only there; reports the address of one
 * of its functions (0 on failure) and waits to be killed. */
static void ns_child(int fd)
{
	uint64_t addr = 0;
	void *h;

	if (!unshare(CLONE_NEWNS) && !mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) &&
	    !mount(tmp("ns_src"), tmp("ns_view"), NULL, MS_BIND, NULL) &&
	    (h = dlopen(tmp("ns_view/lib.so"), RTLD_NOW | RTLD_LOCAL)))
		addr = (uintptr_t)dlsym(h, "_cmocka_run_group_tests");
	if (write(fd, &addr, sizeof(addr)) != sizeof(addr))
		_exit(1);
	pause();
	_exit(0);
}

/* A binary visible only in another mount namespace is read through
 * /proc/PID/root. */
static void test_proc_other_mount_ns(void **state)
{
	Dl_info info;
	uint64_t addr = 0, offset;
	int fds[2];
	pid_t pid;
	struct proc_syms *ps;
	const struct sym *s = NULL;
	const char *module = NULL;
	char name[256] = "", mod[PATH_MAX] = "";

	(void)state;
	assert_true(dladdr((void *)_cmocka_run_group_tests, &info));
	assert_int_equal(
	    run("cd %s && mkdir ns_src ns_view && cp %s ns_src/lib.so", tmpdir, info.dli_fname), 0);
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		ns_child(fds[1]);
	assert_int_equal(read(fds[0], &addr, sizeof(addr)), sizeof(addr));
	close(fds[0]);
	close(fds[1]);
	if (addr) {
		ps = proc_syms__new(pid);
		assert_non_null(ps);
		if (proc_syms__resolve(ps, addr, &s, &module, &offset)) {
			snprintf(name, sizeof(name), "%s", s->name);
			snprintf(mod, sizeof(mod), "%s", module);
		}
		proc_syms__free(ps);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	if (!addr)
		skip(); /* no privilege to make a mount namespace */
	assert_string_equal(name, "_cmocka_run_group_tests");
	assert_string_equal(mod, tmp("ns_view/lib.so"));
	assert_int_equal(access(mod, F_OK), -1); /* not there in ours */
}

static void test_kallsyms(void **state)
{
	struct ksyms *ks;
	const struct sym *s;

	(void)state;
	errno = 0;
	ks = ksyms__load();
	if (!ks && errno == EPERM)
		skip(); /* kptr_restrict hides every address from this user */
	assert_non_null(ks);
	s = ksyms__by_name(ks, "schedule");
	assert_non_null(s);
	assert_true(s->addr != 0);
	assert_true(s->size > 1);
	assert_int_equal(ksyms__find(ks, s->addr)->addr, s->addr);
	assert_string_equal(ksyms__find(ks, s->addr + 1)->name, "schedule");
	assert_null(ksyms__find(ks, 0));
	assert_null(ksyms__by_name(ks, "no_such_kernel_symbol_xyz"));
	ksyms__free(ks);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_self_symbols),
	    cmocka_unit_test(test_demangled_symbol),
	    cmocka_unit_test(test_glob),
	    cmocka_unit_test(test_demangle),
	    cmocka_unit_test(test_open_errors),
	    cmocka_unit_test(test_offset_to_vaddr),
	    cmocka_unit_test(test_stripped),
	    cmocka_unit_test(test_debuglink),
	    cmocka_unit_test(test_build_id_path),
	    cmocka_unit_test(test_debuglink_crc),
	    cmocka_unit_test(test_proc_self),
	    cmocka_unit_test(test_proc_shared_library),
	    cmocka_unit_test(test_proc_cache),
	    cmocka_unit_test(test_proc_deleted),
	    cmocka_unit_test(test_proc_other_mount_ns),
	    cmocka_unit_test(test_kallsyms),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
