#include "core/session.h"

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/container.h"
#include "core/loader.h"
#include "core/log.h"
#include "core/serve.h"
#include "core/target.h"

int bpfobj_set_rodata(struct bpf_object *obj, const char *var, const void *value, size_t size)
{
	struct bpf_map *map = bpf_object__find_map_by_name(obj, ".rodata");
	const struct btf *btf = bpf_object__btf(obj);
	const struct btf_var_secinfo *vs;
	const struct btf_type *sec;
	size_t data_size;
	char *data;
	int id;

	/* libbpf 1.1 returns the skeleton's writable mmap as const; it is the
	 * same memory the generated skel->rodata points to. */
	if (!map || !btf || !(data = (char *)bpf_map__initial_value(map, &data_size)))
		return -ENOENT;
	id = btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC);
	if (id < 0)
		return -ENOENT;
	sec = btf__type_by_id(btf, id);
	vs = btf_var_secinfos(sec);
	for (int i = 0; i < btf_vlen(sec); i++, vs++) {
		const char *name = btf__name_by_offset(btf, btf__type_by_id(btf, vs->type)->name_off);

		if (strcmp(name, var))
			continue;
		if (vs->size != size || vs->offset + size > data_size)
			return -EINVAL;
		memcpy(data + vs->offset, value, size);
		return 0;
	}
	return -ENOENT;
}

/* --container/--pod/--namespace: match these cgroups or their descendants. */
static void filter_add_sel(struct filter_cfg *filter, const struct cgroup_sel *sel)
{
	filter->cgroup_set = sel->n > 0;
	filter->cgroup_min_level = CGROUP_MAX_LEVEL;
	filter->cgroup_max_level = 0;
	for (int i = 0; i < sel->n; i++) {
		if (sel->items[i].level < filter->cgroup_min_level)
			filter->cgroup_min_level = sel->items[i].level;
		if (sel->items[i].level > filter->cgroup_max_level)
			filter->cgroup_max_level = sel->items[i].level;
	}
}

static int cgroup_allow_fill(struct bpf_object *obj, const struct cgroup_sel *sel)
{
	struct bpf_map *map = bpf_object__find_map_by_name(obj, "cgroup_allow");
	__u8 one = 1;

	for (int i = 0; i < sel->n; i++)
		if (!map || sel->items[i].level > CGROUP_MAX_LEVEL ||
		    bpf_map__update_elem(map, &sel->items[i].id, sizeof(__u64), &one, 1, BPF_ANY)) {
			log_error("cannot filter on cgroup %llu (level %d, at most %d)",
				  (unsigned long long)sel->items[i].id, sel->items[i].level,
				  CGROUP_MAX_LEVEL);
			return -EINVAL;
		}
	return 0;
}

int session_start(struct session *s, struct bpf_object_skeleton *skel,
		  const struct common_opts *opts)
{
	return session_start_attach(s, skel, opts, NULL, NULL);
}

int session_start_attach(struct session *s, struct bpf_object_skeleton *skel,
			 const struct common_opts *opts, int (*attach)(void *ctx), void *ctx)
{
	struct bpf_object *obj = *skel->obj;
	struct filter_cfg filter;
	struct cgroup_sel sel;
	int err;

	memset(s, 0, sizeof(*s));
	s->skel = skel;
	s->opts = opts;
	if ((err = target_filter(opts, &filter)) || (err = cgroup_sel_resolve(opts, &sel)))
		return err;
	filter_add_sel(&filter, &sel);
	if ((err = serve_start(opts))) /* before loading: a bad --serve fails fast */
		return err;
	if ((err = bpfobj_set_rodata(obj, "filter", &filter, sizeof(filter)))) {
		log_error("internal: %s has no target filter (%s)", skel->name, strerror(-err));
		return err;
	}
	if ((err = loader_load(skel)) || (err = cgroup_allow_fill(obj, &sel)))
		return err;
	if ((err = loader_attach(skel)) || (attach && (err = attach(ctx))))
		return err;
	loader_describe(obj);
	/* Tests and scripts wait for this line: everything is attached now. */
	fprintf(stderr, "bpfscope: tracing, Ctrl-C to end\n");
	s->loop = evloop__new();
	if (!s->loop)
		return -ENOMEM;
	if ((err = serve_watch_loop(s->loop)))
		return err;
	if (opts->pid)
		evloop__watch_pid(s->loop, opts->pid);
	return evloop__add_object(s->loop, obj);
}

int session_events(struct session *s, evloop_event_fn fn, void *ctx)
{
	struct bpf_map *map = bpf_object__find_map_by_name(*s->skel->obj, "events");

	if (!map) {
		log_error("internal: %s has no events ring buffer", s->skel->name);
		return -ENOENT;
	}
	return evloop__add_ringbuf(s->loop, map, fn, ctx);
}

int session_run(struct session *s, evloop_tick_fn on_tick, void *ctx)
{
	return evloop__run(s->loop, s->opts->duration, s->opts->interval, on_tick, ctx);
}

void session_end(struct session *s)
{
	serve_stop(); /* publishers read the loop and the maps: before freeing */
	if (!s->loop)
		return;
	fflush(stdout);
	evloop__report(s->loop);
	evloop__free(s->loop);
	s->loop = NULL;
}
