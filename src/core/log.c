#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>

int log_verbosity;
static const char *log_command;

void log_set_command(const char *name)
{
	log_command = name;
}

static void log_emit(const char *level, const char *fmt, va_list ap)
{
	if (log_command)
		fprintf(stderr, "bpfscope %s: %s", log_command, level);
	else
		fprintf(stderr, "bpfscope: %s", level);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

#define LOG_FN(fn, level, min_verbosity)                                                           \
	void fn(const char *fmt, ...)                                                              \
	{                                                                                          \
		va_list ap;                                                                        \
		if (log_verbosity < (min_verbosity))                                               \
			return;                                                                    \
		va_start(ap, fmt);                                                                 \
		log_emit(level, fmt, ap);                                                          \
		va_end(ap);                                                                        \
	}

LOG_FN(log_error, "", 0)
LOG_FN(log_warn, "warning: ", 0)
LOG_FN(log_info, "", 1)
LOG_FN(log_debug, "debug: ", 2)
