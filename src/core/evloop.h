/* The event loop every command runs: drains the ring buffer every 10 ms
 * (BPF side submits without wakeups, see common.bpf.h), calls an interval
 * callback, stops on SIGINT/SIGTERM or after -d seconds, and accounts for
 * loss: events delivered, ring-buffer drops and program recursion misses,
 * read from the BPF objects at the end. */
#ifndef BPFSCOPE_EVLOOP_H
#define BPFSCOPE_EVLOOP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct bpf_object;
struct bpf_map;

typedef int (*evloop_event_fn)(void *ctx, const void *data, size_t size);
typedef int (*evloop_tick_fn)(void *ctx);

struct evloop_stats {
	uint64_t submitted; /* counted by BPF programs */
	uint64_t delivered; /* seen by user space */
	uint64_t drops;     /* ring buffer full */
	uint64_t stale;     /* discarded pairing records */
	uint64_t errors;    /* failed reads in BPF */
	uint64_t misses;    /* program recursion misses (prog info) */
};

struct evloop;

struct evloop *evloop__new(void);
/* Watches an object's "stats" map and programs for the loss summary. */
int evloop__add_object(struct evloop *loop, struct bpf_object *obj);
/* Delivers records of a ring buffer map to fn. */
int evloop__add_ringbuf(struct evloop *loop, struct bpf_map *map, evloop_event_fn fn, void *ctx);
/* Ends the loop (after a last drain) when process pid exits (-p). */
void evloop__watch_pid(struct evloop *loop, int pid);
/* Runs until a signal, duration seconds (0: none), or a callback returning
 * non-zero (< 0 is an error). on_tick runs every interval seconds (0: never). */
int evloop__run(struct evloop *loop, double duration, double interval, evloop_tick_fn on_tick,
		void *ctx);
void evloop__stats(struct evloop *loop, struct evloop_stats *out);
/* One line on stderr: "N events, N dropped, N program misses". */
void evloop__report(struct evloop *loop);
void evloop__free(struct evloop *loop);

/* A background job run from the drain loop every period seconds, whatever
 * -i is (core/serve publishes metric snapshots with it). fn NULL: none. */
void evloop_set_background(void (*fn)(void *ctx), void *ctx, double period);

/* True once SIGINT/SIGTERM arrived (handlers installed by evloop__run). */
bool evloop_stopping(void);
/* True when the last loop ended because the watched process exited. */
bool evloop_target_exited(void);
/* Loops watching a pid also end when it execs (for pid-bound uprobes,
 * which the new image does not carry); evloop_target_execed() then says so. */
void evloop_stop_on_exec(bool stop);
bool evloop_target_execed(void);

/* Sums a per-CPU u64 array map slot over all possible CPUs. */
uint64_t bpfmap_percpu_sum(int map_fd, uint32_t key);

#endif
