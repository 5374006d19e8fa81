/* See evloop.h. */
#include "core/evloop.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "bpf/common.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/procevents.h"

#define DRAIN_MS 10
#define PID_CHECK_S 0.1
#define MAX_OBJECTS 16
#define MAX_RINGS 8

struct ring_sink {
	struct evloop *loop;
	evloop_event_fn fn;
	void *ctx;
};

struct evloop {
	struct ring_buffer *rb;
	struct ring_sink sinks[MAX_RINGS];
	int nsinks;
	struct bpf_object *objs[MAX_OBJECTS];
	int nobjs;
	uint64_t delivered;
	int watched_pid;    /* -p: the loop ends when it exits */
	int watched_pidfd;  /* readable once it exited; -1: poll with kill() */
	int exec_events;    /* process events socket when stopping on exec, or -1 */
	double next_pid_check;
};

static volatile sig_atomic_t stop_signal;
static bool target_exited, target_execed, stop_on_exec;

static struct {
	void (*fn)(void *ctx);
	void *ctx;
	double period, next;
} background;

void evloop_set_background(void (*fn)(void *ctx), void *ctx, double period)
{
	background.fn = fn;
	background.ctx = ctx;
	background.period = period;
	background.next = 0;
}

static void on_signal(int sig)
{
	stop_signal = sig;
}

bool evloop_stopping(void)
{
	return stop_signal != 0;
}

struct evloop *evloop__new(void)
{
	return calloc(1, sizeof(struct evloop));
}

bool evloop_target_exited(void)
{
	return target_exited;
}

bool evloop_target_execed(void)
{
	return target_execed;
}

void evloop_stop_on_exec(bool stop)
{
	stop_on_exec = stop;
}

void evloop__watch_pid(struct evloop *loop, int pid)
{
	loop->watched_pid = pid;
	/* a pidfd also sees a zombie as exited, which kill(pid, 0) does not */
	loop->watched_pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	loop->exec_events = stop_on_exec ? procevents_open() : -1;
	target_exited = target_execed = false;
}

static bool watched_pid_gone(struct evloop *loop)
{
	struct pollfd pfd = { loop->watched_pidfd, POLLIN, 0 };

	if (loop->watched_pidfd >= 0)
		return poll(&pfd, 1, 0) == 1;
	return kill(loop->watched_pid, 0) && errno == ESRCH;
}

/* Ends the loop when the watched process exited or, if asked, exec'd. */
static bool watched_pid_changed(struct evloop *loop)
{
	if (watched_pid_gone(loop)) {
		target_exited = true;
		fprintf(stderr, "bpfscope: process %d exited\n", loop->watched_pid);
	} else if (loop->exec_events >= 0 && procevents_exec_seen(loop->exec_events, loop->watched_pid)) {
		target_execed = true;
		fprintf(stderr, "bpfscope: process %d exec'd a new image\n", loop->watched_pid);
	}
	return target_exited || target_execed;
}

int evloop__add_object(struct evloop *loop, struct bpf_object *obj)
{
	if (loop->nobjs == MAX_OBJECTS)
		return -E2BIG;
	loop->objs[loop->nobjs++] = obj;
	return 0;
}

static int sink_cb(void *ctx, void *data, size_t size)
{
	struct ring_sink *sink = ctx;

	sink->loop->delivered++;
	return sink->fn(sink->ctx, data, size);
}

int evloop__add_ringbuf(struct evloop *loop, struct bpf_map *map, evloop_event_fn fn, void *ctx)
{
	struct ring_sink *sink;
	int err = 0;

	if (loop->nsinks == MAX_RINGS)
		return -E2BIG;
	sink = &loop->sinks[loop->nsinks++];
	*sink = (struct ring_sink){ loop, fn, ctx };
	if (!loop->rb)
		loop->rb = ring_buffer__new(bpf_map__fd(map), sink_cb, sink, NULL);
	else
		err = ring_buffer__add(loop->rb, bpf_map__fd(map), sink_cb, sink);
	if (!loop->rb || err) {
		err = loop->rb ? err : -errno;
		log_error("cannot open ring buffer %s: %s", bpf_map__name(map), strerror(-err));
		return err;
	}
	return 0;
}

static void install_signals(void)
{
	/* SA_RESTART: a signal while stdout is blocked must not fail the write
	 * (stdio would discard the buffered events it was writing) */
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* Waits up to DRAIN_MS (less when a deadline is closer), then drains. */
static int drain_once(struct evloop *loop, double until)
{
	int ms = DRAIN_MS, err;
	double left = until - clock_mono_s();

	if (left < DRAIN_MS / 1000.0)
		ms = left > 0 ? (int)(left * 1000) : 0;
	if (!loop->rb) {
		struct timespec ts = { 0, ms * 1000000L };

		nanosleep(&ts, NULL);
		return 0;
	}
	err = ring_buffer__poll(loop->rb, ms);
	if (err >= 0)
		err = ring_buffer__consume(loop->rb);
	fflush(stdout);
	if (err == -EINTR)
		return 0;
	return err < 0 ? err : 0;
}

int evloop__run(struct evloop *loop, double duration, double interval, evloop_tick_fn on_tick,
		void *ctx)
{
	double start = clock_mono_s(), end = duration > 0 ? start + duration : 1e300;
	double next_tick = interval > 0 ? start + interval : 1e300;
	int err = 0;

	install_signals();
	while (!stop_signal && !err) {
		double until = end < next_tick ? end : next_tick;

		err = drain_once(loop, until);
		if (background.fn && clock_mono_s() >= background.next) {
			background.fn(background.ctx);
			background.next = clock_mono_s() + background.period;
		}
		if (clock_mono_s() >= next_tick && on_tick) {
			err = err ? err : on_tick(ctx);
			next_tick += interval;
		}
		if (clock_mono_s() >= end)
			break;
		if (loop->watched_pid && clock_mono_s() >= loop->next_pid_check) {
			loop->next_pid_check = clock_mono_s() + PID_CHECK_S;
			if (watched_pid_changed(loop))
				break;
		}
	}
	if (loop->rb && err >= 0)
		ring_buffer__consume(loop->rb); /* what arrived before the stop */
	if (err > 0)
		return 0; /* a callback asked to stop */
	if (err < 0)
		log_error("event loop failed: %s", strerror(-err));
	return err;
}

uint64_t bpfmap_percpu_sum(int map_fd, uint32_t key)
{
	int ncpus = libbpf_num_possible_cpus();
	uint64_t *vals, sum = 0;

	if (ncpus <= 0 || !(vals = calloc(ncpus, sizeof(*vals))))
		return 0;
	if (!bpf_map_lookup_elem(map_fd, &key, vals))
		for (int i = 0; i < ncpus; i++)
			sum += vals[i];
	free(vals);
	return sum;
}

static uint64_t prog_misses(struct bpf_object *obj)
{
	struct bpf_program *prog;
	uint64_t misses = 0;

	bpf_object__for_each_program(prog, obj) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len))
			misses += info.recursion_misses;
	}
	return misses;
}

void evloop__stats(struct evloop *loop, struct evloop_stats *out)
{
	memset(out, 0, sizeof(*out));
	out->delivered = loop->delivered;
	for (int i = 0; i < loop->nobjs; i++) {
		struct bpf_map *stats = bpf_object__find_map_by_name(loop->objs[i], "stats");

		out->misses += prog_misses(loop->objs[i]);
		if (!stats)
			continue;
		out->submitted += bpfmap_percpu_sum(bpf_map__fd(stats), STAT_EVENTS);
		out->drops += bpfmap_percpu_sum(bpf_map__fd(stats), STAT_DROPS);
		out->stale += bpfmap_percpu_sum(bpf_map__fd(stats), STAT_STALE);
		out->errors += bpfmap_percpu_sum(bpf_map__fd(stats), STAT_ERRORS);
	}
}

void evloop__report(struct evloop *loop)
{
	struct evloop_stats s;

	evloop__stats(loop, &s);
	fprintf(stderr,
		"bpfscope: %llu events delivered, %llu dropped (ring buffer full), "
		"%llu program misses, %llu read errors\n",
		(unsigned long long)s.delivered, (unsigned long long)s.drops,
		(unsigned long long)s.misses, (unsigned long long)s.errors);
}

void evloop__free(struct evloop *loop)
{
	if (!loop)
		return;
	ring_buffer__free(loop->rb);
	if (loop->watched_pid && loop->watched_pidfd >= 0)
		close(loop->watched_pidfd);
	if (loop->watched_pid && loop->exec_events >= 0)
		close(loop->exec_events);
	free(loop);
}
