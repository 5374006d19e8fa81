/* See unwind.h. */
#include "core/unwind.h"

#include <dwarf.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/syms.h"

struct unwind_state {
	pid_t tid;
	const uint64_t *regs;
	uint64_t stack_start;
	const unsigned char *stack;
	size_t stack_len;
	uint64_t bad_read; /* first address outside the copy that was asked for */
	struct unwind_result *out;
	Dwfl *dwfl;
};

bool unwind_bias(const uint64_t (*phdrs)[3], size_t n, uint64_t start, uint64_t pgoff,
		 uint64_t *bias)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t off = phdrs[i][0], vaddr = phdrs[i][1], filesz = phdrs[i][2];

		/* the mapping starts at the page holding the segment's first byte */
		if (pgoff + 4096 > off && pgoff < off + (filesz ? filesz : 1)) {
			*bias = start - (vaddr - off + pgoff);
			return true;
		}
	}
	return false;
}

static bool elf_bias(const char *path, uint64_t start, uint64_t pgoff, uint64_t *bias)
{
	uint64_t phdrs[64][3];
	size_t n = 0, phnum = 0;
	bool ok = false;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	Elf *elf;

	if (fd < 0)
		return false;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (elf && !elf_getphdrnum(elf, &phnum)) {
		for (size_t i = 0; i < phnum && n < 64; i++) {
			GElf_Phdr ph;

			if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_LOAD &&
			    (ph.p_flags & PF_X)) {
				phdrs[n][0] = ph.p_offset;
				phdrs[n][1] = ph.p_vaddr;
				phdrs[n][2] = ph.p_filesz;
				n++;
			}
		}
		GElf_Ehdr eh;

		ok = unwind_bias((const uint64_t(*)[3])phdrs, n, start, pgoff, bias);
		if (ok && gelf_getehdr(elf, &eh) && eh.e_type == ET_EXEC)
			*bias = 0; /* not relocatable: addresses are the ELF's own */
	}
	elf_end(elf);
	close(fd);
	return ok;
}

/* One module per file: the first executable mapping of each path. */
static void report_modules(Dwfl *dwfl, const struct procmaps *maps)
{
	for (size_t i = 0; i < maps->n; i++) {
		const struct procmap *m = &maps->v[i];
		const char *base = strrchr(m->path, '/');
		bool dup = false;
		uint64_t bias;

		for (size_t j = 0; j < i && !dup; j++)
			dup = !strcmp(maps->v[j].path, m->path);
		if (dup || !elf_bias(m->path, m->start, m->pgoff, &bias))
			continue;
		dwfl_report_elf(dwfl, base ? base + 1 : m->path, m->path, -1, bias, true);
	}
}

static pid_t next_thread(Dwfl *dwfl, void *arg, void **thread_argp)
{
	struct unwind_state *st = arg;

	(void)dwfl;
	if (*thread_argp)
		return 0;
	*thread_argp = st;
	return st->tid;
}

static bool memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result, void *arg)
{
	struct unwind_state *st = arg;

	(void)dwfl;
	if (addr < st->stack_start || addr - st->stack_start + sizeof(*result) > st->stack_len) {
		if (!st->bad_read)
			st->bad_read = addr;
		return false;
	}
	memcpy(result, st->stack + (addr - st->stack_start), sizeof(*result));
	return true;
}

static bool set_initial_registers(Dwfl_Thread *thread, void *arg)
{
	struct unwind_state *st = arg;
	Dwarf_Word regs[UNWIND_NREGS];

	for (int i = 0; i < UNWIND_NREGS; i++)
		regs[i] = st->regs[i];
	return dwfl_thread_state_registers(thread, 0, UNWIND_NREGS, regs);
}

static const Dwfl_Thread_Callbacks thread_callbacks = {
    .next_thread = next_thread,
    .memory_read = memory_read,
    .set_initial_registers = set_initial_registers,
};

static void name_frame(Dwfl *dwfl, uint64_t pc, uint64_t lookup, struct unwind_frame *f)
{
	Dwfl_Module *mod = dwfl_addrmodule(dwfl, lookup);
	const char *name = NULL, *file = NULL;
	GElf_Off off = 0;
	GElf_Sym sym;
	Dwarf_Addr bias = 0;

	memset(f, 0, sizeof(*f));
	f->pc = pc;
	if (!mod)
		return;
	name = dwfl_module_info(mod, NULL, NULL, NULL, NULL, NULL, &file, NULL);
	snprintf(f->module, sizeof(f->module), "%s", file ? file : name ? name : "");
	name = dwfl_module_addrinfo(mod, lookup, &off, &sym, NULL, NULL, NULL);
	if (name) {
		char *dem = syms_demangle(name);

		snprintf(f->symbol, sizeof(f->symbol), "%s", dem ? dem : name);
		free(dem);
		f->symbol[strcspn(f->symbol, "@")] = 0; /* symbol version: func@@GLIBC_2.34 */
		f->offset = off + (pc - lookup);
		return;
	}
	dwfl_module_getelf(mod, &bias);
	f->offset = pc - bias;
}

static int frame_cb(Dwfl_Frame *frame, void *arg)
{
	struct unwind_state *st = arg;
	struct unwind_result *out = st->out;
	Dwarf_Addr pc;
	bool activation = false;

	if (!dwfl_frame_pc(frame, &pc, &activation))
		return DWARF_CB_ABORT;
	if (out->n >= UNWIND_MAX_FRAMES) {
		snprintf(out->stop, sizeof(out->stop), "frame limit (%d) reached",
			 UNWIND_MAX_FRAMES);
		return DWARF_CB_ABORT;
	}
	/* a return address points after the call: look up the call itself */
	name_frame(st->dwfl, pc, activation || !out->n ? pc : pc - 1, &out->frames[out->n]);
	out->n++;
	return DWARF_CB_OK;
}

static void explain_stop(struct unwind_state *st, int rc)
{
	struct unwind_result *out = st->out;
	const struct unwind_frame *last = out->n ? &out->frames[out->n - 1] : NULL;

	if (out->stop[0])
		return;
	if (rc == 0 && !st->bad_read) {
		out->complete = true;
		return;
	}
	/* libdwfl may end with 0 when a read failed: the copy decides */
	if (st->bad_read)
		snprintf(out->stop, sizeof(out->stop),
			 "the stack copy (%zu bytes from sp 0x%" PRIx64 ") ends before 0x%" PRIx64,
			 st->stack_len, st->stack_start, st->bad_read);
	else if (last && !last->module[0])
		snprintf(out->stop, sizeof(out->stop),
			 "pc 0x%" PRIx64
			 " is in no mapped file (JIT code or a corrupted return address)",
			 last->pc);
	else
		snprintf(out->stop, sizeof(out->stop), "%s", dwfl_errmsg(-1));
	/* the outermost frame of a thread has no return address: not an error */
	if (last && (!strcmp(last->symbol, "_start") || !strcmp(last->symbol, "clone3") ||
		     !strcmp(last->symbol, "clone") || !strcmp(last->symbol, "__clone"))) {
		out->complete = true;
		out->stop[0] = 0;
	}
}

int unwind_user(pid_t pid, const struct procmaps *maps, const uint64_t regs[UNWIND_NREGS],
		uint64_t stack_start, const void *stack, size_t stack_len,
		struct unwind_result *out)
{
	static char *debuginfo_path;
	static const Dwfl_Callbacks callbacks = {
	    .find_elf = dwfl_build_id_find_elf,
	    .find_debuginfo = dwfl_standard_find_debuginfo,
	    .debuginfo_path = &debuginfo_path,
	};
	struct unwind_state st = {pid, regs, stack_start, stack, stack_len, 0, out, NULL};
	uint64_t called[UNWIND_NREGS];
	int rc;

	memset(out, 0, sizeof(*out));
	/* A pc in no mapped file is most often a call through a bad pointer:
	 * the return address is still at sp. Show the pc, then unwind from the
	 * caller as if the call had returned. */
	if (!procmaps_find(maps, regs[16]) && stack_start == regs[7] && stack_len >= 8) {
		memcpy(called, regs, sizeof(called));
		memcpy(&called[16], stack, 8);
		called[7] += 8;
		out->frames[0].pc = regs[16];
		out->frames[0].offset = regs[16];
		out->n = 1;
		snprintf(out->note, sizeof(out->note),
			 "pc 0x%" PRIx64 " is in no mapped file (a call through a bad pointer?): "
			 "unwound from the return address at sp",
			 regs[16]);
		st.regs = called;
	}
	st.dwfl = dwfl_begin(&callbacks);
	if (!st.dwfl)
		return -ENOMEM;
	dwfl_report_begin(st.dwfl);
	report_modules(st.dwfl, maps);
	dwfl_report_end(st.dwfl, NULL, NULL);
	if (!dwfl_attach_state(st.dwfl, NULL, pid, &thread_callbacks, &st)) {
		/* no module to learn the architecture from: name the pc at least */
		name_frame(st.dwfl, regs[16], regs[16], &out->frames[0]);
		out->n = 1;
		out->note[0] = 0;
		snprintf(out->stop, sizeof(out->stop), "cannot unwind: %s", dwfl_errmsg(-1));
		dwfl_end(st.dwfl);
		return 0;
	}
	rc = dwfl_getthread_frames(st.dwfl, pid, frame_cb, &st);
	explain_stop(&st, rc);
	dwfl_end(st.dwfl);
	return 0;
}
