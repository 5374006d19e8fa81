/* Loading and attaching BPF skeletons with per-feature fallback.
 *
 * A BPF file may offer one handler in several variants, named
 * <handler>__<variant> (e.g. on_switch__tp_btf, on_switch__raw_tp). Before
 * load, the loader keeps one mechanism per handler: the most capable one that
 * the feature table says works here and whose attach targets exist on this
 * kernel (the tracepoint, the BTF type, the function). A mechanism may need
 * several programs to do a handler's job (open__fexit alone, or the four
 * tracepoint programs open__openat_enter, open__openat_exit, ...): it is
 * chosen only when all of them can attach, and then all are kept. Programs
 * without "__" in their name are always kept. A program whose variant name
 * contains "optional" (open__open_enter_optional) is dropped quietly when it
 * cannot attach, e.g. sys_enter_open, which arm64 lacks.
 *
 * libbpf's log goes through one callback: silent by default, libbpf warnings
 * with -v, everything with -vv. A verifier rejection is summarised as one
 * line naming the program and the verifier's last complaint. */
#ifndef BPFSCOPE_LOADER_H
#define BPFSCOPE_LOADER_H

#include <stdbool.h>

struct bpf_object;
struct bpf_object_skeleton;
struct bpf_program;

/* Routes libbpf's printing through our log; call once at start. */
void loader_init(void);

/* Chooses variants, then loads. Prints one error line on failure and returns
 * a negative errno. */
int loader_load(struct bpf_object_skeleton *skel);
/* Attaches every kept program with an auto-attachable section. */
int loader_attach(struct bpf_object_skeleton *skel);
/* Both of the above. */
int loader_load_attach(struct bpf_object_skeleton *skel);

/* The mechanism a program uses ("tp_btf", "tracepoint", ...). */
const char *loader_mechanism(const struct bpf_program *prog);

/* Tells the user which mechanism each handler got (-v). */
void loader_describe(struct bpf_object *obj);

#endif
