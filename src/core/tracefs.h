/* tracefs access. Many hosts (this one included) boot without tracefs
 * mounted; libbpf needs it to attach tracepoints, so we mount it on first
 * use when we are allowed to. */
#ifndef BPFSCOPE_TRACEFS_H
#define BPFSCOPE_TRACEFS_H

#include <stdbool.h>

/* "/sys/kernel/tracing" (mounted if needed) or NULL when unavailable. */
const char *tracefs_root(void);
bool tracefs_event_exists(const char *category, const char *event);

#endif
