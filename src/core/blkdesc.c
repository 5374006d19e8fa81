/* See blkdesc.h. */
#include "core/blkdesc.h"

#include <stdio.h>
#include <string.h>

#include "bpf/blk.h"

static const char *const op_names[] = {"Read",	      "Write", "Flush", "Discard", NULL,
				       "SecureErase", NULL,    NULL,	NULL,	   "WriteZeroes"};
static const char op_letters[] = {'R', 'W', 'F', 'D', 0, 'E', 0, 0, 0, 'Z'};

static const struct {
	uint32_t bit;
	const char *word;
	char letter;
} flag_names[] = {
    {BLK_F_SYNC, "Sync", 'S'},	       {BLK_F_META, "Metadata", 'M'},	 {BLK_F_FUA, "FUA", 'F'},
    {BLK_F_PREFLUSH, "Preflush", 'P'}, {BLK_F_RAHEAD, "ReadAhead", 'A'},
};

#define NOPS   (sizeof(op_names) / sizeof(op_names[0]))
#define NFLAGS (sizeof(flag_names) / sizeof(flag_names[0]))

void blk_flags_words(uint32_t flags, char *buf, size_t len)
{
	uint32_t op = flags & BLK_OP_MASK;
	size_t used;

	if (op < NOPS && op_names[op])
		used = snprintf(buf, len, "%s", op_names[op]);
	else
		used = snprintf(buf, len, "Op %u", op);
	for (size_t i = 0; i < NFLAGS && used < len; i++)
		if (flags & flag_names[i].bit)
			used += snprintf(buf + used, len - used, " %s", flag_names[i].word);
}

void blk_flags_rwbs(uint32_t flags, char *buf, size_t len)
{
	uint32_t op = flags & BLK_OP_MASK;
	size_t n = 0;

	if (len < 2) {
		if (len)
			buf[0] = 0;
		return;
	}
	/* blktrace puts F (preflush) first, then the op, then modifiers */
	if ((flags & BLK_F_PREFLUSH) && n + 1 < len)
		buf[n++] = 'F';
	buf[n++] = op < NOPS && op_letters[op] ? op_letters[op] : 'N';
	for (size_t i = 0; i < NFLAGS && n + 1 < len; i++)
		if ((flags & flag_names[i].bit) && flag_names[i].bit != BLK_F_PREFLUSH)
			buf[n++] = flag_names[i].letter;
	buf[n] = 0;
}

void blk_dev_name(uint32_t dev, char *buf, size_t len)
{
	char path[64], line[128];
	FILE *f;

	snprintf(buf, len, "%u:%u", BLK_MAJOR(dev), BLK_MINOR(dev));
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/uevent", BLK_MAJOR(dev), BLK_MINOR(dev));
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "DEVNAME=", 8)) {
			line[strcspn(line, "\n")] = 0;
			snprintf(buf, len, "%s", line + 8);
			break;
		}
	}
	fclose(f);
}
