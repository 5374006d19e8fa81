/* What every tracing command does around its own logic: apply the target
 * filter to the object's .rodata, load and attach with fallback, run the
 * event loop, and report loss at the end. A tool then only declares its
 * options, its event handler and its printing. */
#ifndef BPFSCOPE_SESSION_H
#define BPFSCOPE_SESSION_H

#include <stddef.h>

#include "core/evloop.h"
#include "core/options.h"

struct bpf_object;
struct bpf_object_skeleton;

struct session {
	struct bpf_object_skeleton *skel;
	struct evloop *loop;
	const struct common_opts *opts;
};

/* Sets a .rodata variable by name through BTF (any skeleton). */
int bpfobj_set_rodata(struct bpf_object *obj, const char *var, const void *value, size_t size);

/* Filter + load + attach. On failure an error line has been printed. */
int session_start(struct session *s, struct bpf_object_skeleton *skel,
		  const struct common_opts *opts);
/* The same, with attach(ctx) run after the loader attached its programs and
 * before the "tracing" line: for what the loader cannot attach by section
 * name (perf events, uprobes on a library found at run time, tc and XDP on
 * chosen interfaces). It prints its
 * own error line and returns < 0 on failure. */
int session_start_attach(struct session *s, struct bpf_object_skeleton *skel,
			 const struct common_opts *opts, int (*attach)(void *ctx), void *ctx);
/* Consume the "events" ring buffer of the skeleton with fn. */
int session_events(struct session *s, evloop_event_fn fn, void *ctx);
/* Runs until -d, a signal, or a callback stop; on_tick every -i seconds. */
int session_run(struct session *s, evloop_tick_fn on_tick, void *ctx);
/* Prints the loss summary and frees the loop (not the skeleton). */
void session_end(struct session *s);

#endif
