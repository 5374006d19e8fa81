/* See syscalls.h. gen/syscall_names.h holds lines { nr, "name" }, in the
 * header's order; names are looked up by linear search (a few hundred
 * entries, used when printing, never per event). */
#include "core/syscalls.h"

#include <stdio.h>
#include <string.h>

static const struct {
	long nr;
	const char *name;
} table[] = {
#include "gen/syscall_names.h"
};

#define TABLE_LEN (sizeof(table) / sizeof(table[0]))

const char *syscall_name(long nr)
{
	for (size_t i = 0; i < TABLE_LEN; i++)
		if (table[i].nr == nr)
			return table[i].name;
	return NULL;
}

void syscall_format(long nr, char *buf, size_t len)
{
	const char *name = syscall_name(nr);

	if (name)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "%ld", nr);
}

long syscall_number(const char *name)
{
	for (size_t i = 0; i < TABLE_LEN; i++)
		if (!strcmp(table[i].name, name))
			return table[i].nr;
	return -1;
}

size_t syscall_count(void)
{
	return TABLE_LEN;
}
