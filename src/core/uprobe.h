/* Attaching a uprobe/uretprobe program to a function of a binary or shared
 * library by name, for tools whose probes are known only at run time (the
 * library path is resolved with libpath), from session_start_attach's hook.
 * The link goes into the caller's slot (the skeleton's), so it is destroyed
 * with the skeleton. */
#ifndef BPFSCOPE_UPROBE_H
#define BPFSCOPE_UPROBE_H

#include <stdbool.h>
#include <sys/types.h>

struct bpf_link;
struct bpf_program;

struct uprobe_spec {
	struct bpf_program *prog;
	struct bpf_link **link; /* the skeleton's link slot */
	const char *func;
	bool retprobe;
	bool optional; /* a missing function is not an error (older library) */
};

struct bpf_object;

/* Marks every program of obj as attached by hand, so the loader does not
 * try (call before session_start_attach). */
void uprobe_manual(struct bpf_object *obj);

/* Attaches every spec to binary for pid (-1: all processes). Prints one
 * error line and returns < 0 when a required function cannot be probed.
 * Returns the number of programs attached. */
int uprobe_attach_all(const struct uprobe_spec *specs, int n, const char *binary, pid_t pid);

#endif
