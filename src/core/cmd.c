#include "core/cmd.h"

#include <stdlib.h>
#include <string.h>

extern const struct command *const __start_bpfscope_cmds[];
extern const struct command *const __stop_bpfscope_cmds[];

static int by_name(const void *a, const void *b)
{
	const struct command *const *x = a, *const *y = b;

	return strcmp((*x)->spec->name, (*y)->spec->name);
}

const struct command *const *commands_all(int *count)
{
	static const struct command **sorted;
	static int n;

	if (!sorted) {
		/* linker-provided bounds of one section: cppcheck cannot know that */
		/* cppcheck-suppress comparePointers */
		n = (int)(__stop_bpfscope_cmds - __start_bpfscope_cmds);
		sorted = malloc(sizeof(*sorted) * (n ? n : 1));
		if (!sorted) {
			*count = 0;
			return NULL;
		}
		memcpy(sorted, __start_bpfscope_cmds, sizeof(*sorted) * n);
		qsort(sorted, n, sizeof(*sorted), by_name);
	}
	*count = n;
	return sorted;
}

const struct command *command_find(const char *name)
{
	int n;
	const struct command *const *all = commands_all(&n);

	for (int i = 0; i < n; i++)
		if (!strcmp(all[i]->spec->name, name))
			return all[i];
	return NULL;
}
