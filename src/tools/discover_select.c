/* See discover_select.h. */
#include "tools/discover_select.h"

#include <stdlib.h>
#include <string.h>

static size_t underscores(const char *name)
{
	size_t n = 0;

	while (name[n] == '_')
		n++;
	return n;
}

/* By address; among aliases the public-looking name first (fewest leading
 * underscores, then shortest): "nanosleep" before "__GI___nanosleep". */
static int by_vaddr(const void *a, const void *b)
{
	const struct disc_func *x = a, *y = b;
	size_t ux = underscores(x->raw), uy = underscores(y->raw);
	size_t lx = strlen(x->raw), ly = strlen(y->raw);

	if (x->vaddr != y->vaddr)
		return x->vaddr < y->vaddr ? -1 : 1;
	if (ux != uy)
		return ux < uy ? -1 : 1;
	if (lx != ly)
		return lx < ly ? -1 : 1;
	return strcmp(x->raw, y->raw);
}

const char *disc_return_unsafe(const char *raw)
{
	/* compared without leading underscores: _setjmp, __sigsetjmp, __longjmp_chk */
	static const char *const twice_or_never[] = {
	    "setjmp",	      "sigsetjmp",    "longjmp",   "siglongjmp",  "longjmp_chk",
	    "vfork",	      "clone",	      "clone3",	   "getcontext",  "setcontext",
	    "swapcontext",    "makecontext",  "exit",	   "Exit",	  "abort",
	    "assert_fail",    "pthread_exit", "cxa_throw", "cxa_rethrow", "fortify_fail",
	    "stack_chk_fail",
	};
	const char *bare = raw;

	if (!strncmp(raw, "_Z", 2))
		return "C++: an exception through a return probe terminates the program";
	while (*bare == '_')
		bare++;
	if (!strncmp(bare, "Unwind_", 7))
		return "unwinder";
	for (size_t i = 0; i < sizeof(twice_or_never) / sizeof(twice_or_never[0]); i++)
		if (!strcmp(bare, twice_or_never[i]))
			return "returns twice or never";
	return NULL;
}

/* last: the address of the previous function that passed these checks */
static const char *entry_unsafe(const struct disc_func *f, uint64_t last, uint64_t root_vaddr)
{
	if (!f->size)
		return "no size (not a function body)";
	if (f->vaddr == last)
		return "alias of another symbol";
	if (root_vaddr && f->vaddr == root_vaddr)
		return "the --within root itself";
	if (f->offset == UINT64_MAX)
		return "outside the executable segments";
	if (strstr(f->site.mnemonic, "(mis-emulated)"))
		return "first instruction mis-emulated by the kernel";
	if (f->site.kind == SITE_UNKNOWN)
		return f->site.insn_len ? "first instruction refused by the kernel's uprobe code"
					: "first instruction not decoded";
	return NULL;
}

size_t disc_select(struct disc_func *f, size_t n, size_t limit, bool want_time, uint64_t root_vaddr)
{
	uint64_t last = UINT64_MAX;
	size_t kept = 0;

	if (n)
		qsort(f, n, sizeof(*f), by_vaddr);
	for (size_t i = 0; i < n; i++) {
		f[i].skip = entry_unsafe(&f[i], last, root_vaddr);
		if (f[i].skip)
			continue;
		last = f[i].vaddr;
		if (kept >= limit) {
			f[i].skip = "--limit";
			continue;
		}
		kept++;
		f[i].timed = want_time && !disc_return_unsafe(f[i].raw);
	}
	return kept;
}
