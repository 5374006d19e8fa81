#include "core/tracefs.h"

#include <limits.h>
#include <stdio.h>
#include <sys/mount.h>
#include <unistd.h>

#include "core/log.h"

static bool has_events(const char *root)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/events", root);
	return access(path, F_OK) == 0;
}

const char *tracefs_root(void)
{
	static const char *root;
	static bool tried;

	if (tried)
		return root;
	tried = true;
	if (has_events("/sys/kernel/tracing"))
		return root = "/sys/kernel/tracing";
	if (has_events("/sys/kernel/debug/tracing"))
		return root = "/sys/kernel/debug/tracing";
	if (mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL) == 0 &&
	    has_events("/sys/kernel/tracing")) {
		log_debug("mounted tracefs on /sys/kernel/tracing");
		return root = "/sys/kernel/tracing";
	}
	return NULL;
}

bool tracefs_event_exists(const char *category, const char *event)
{
	const char *root = tracefs_root();
	char path[PATH_MAX];

	if (!root)
		return false;
	snprintf(path, sizeof(path), "%s/events/%s/%s", root, category, event);
	return access(path, F_OK) == 0;
}
