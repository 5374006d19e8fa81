/* One place for diagnostics: every message goes to stderr prefixed with the
 * program name, so a user sees exactly one clear line per problem. */
#ifndef BPFSCOPE_LOG_H
#define BPFSCOPE_LOG_H

#include <stdbool.h>

extern int log_verbosity; /* 0 quiet, 1 -v, 2 -vv */

void log_set_command(const char *name); /* "execsnoop" -> "bpfscope execsnoop: " */
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));  /* -v */
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2))); /* -vv */

#endif
