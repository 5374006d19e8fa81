#include "core/container.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/output.h"
#include "core/target.h"

#define RESCAN_NS 1000000000ULL /* at most one rescan per second on a miss */

static bool has_prefix(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && !strncmp(s, prefix, n);
}

static bool has_suffix(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return len >= n && !strncmp(s + len - n, suffix, n);
}

static bool is_hex(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return len > 0;
}

/* "<prefix><64 hex>[.scope]"; conmon scopes (CRI-O, Podman) are not containers. */
static bool parse_container(const char *c, size_t len, const char *parent, size_t parent_len,
			    struct cgroup_attr *a)
{
	static const struct {
		const char *prefix, *runtime;
	} kinds[] = {
		{ "cri-containerd-", "containerd" }, { "crio-", "cri-o" }, { "docker-", "docker" },
		{ "libpod-", "podman" },	      { "", NULL },
	};

	if (has_prefix(c, len, "crio-conmon-") || has_prefix(c, len, "libpod-conmon-"))
		return false;
	if (has_suffix(c, len, ".scope"))
		len -= strlen(".scope");
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		size_t plen = strlen(kinds[k].prefix);

		if (!has_prefix(c, len, kinds[k].prefix) || len - plen != CONTAINER_ID_LEN ||
		    !is_hex(c + plen, CONTAINER_ID_LEN))
			continue;
		memcpy(a->container_id, c + plen, CONTAINER_ID_LEN);
		a->container_id[CONTAINER_ID_LEN] = 0;
		a->runtime = kinds[k].runtime;
		if (!a->runtime) /* bare id: cgroupfs driver */
			a->runtime = a->pod_uid[0] ? "cri"
				     : (parent_len == 6 && !strncmp(parent, "docker", 6)) ? "docker"
											   : "";
		return true;
	}
	return false;
}

/* A uid as the kubelet writes it: a UUID, or 32 hex digits for static pods. */
static bool valid_uid(const char *u, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!isxdigit((unsigned char)u[i]) && u[i] != '-')
			return false;
	return len == 36 || (len == 32 && is_hex(u, len));
}

/* "pod<uid>" (cgroupfs) or "kubepods[-<qos>]-pod<uid_with_underscores>.slice" (systemd). */
static bool parse_pod(const char *c, size_t len, char *uid)
{
	const char *u = NULL;
	size_t ulen = 0;

	if (has_prefix(c, len, "kubepods-") && has_suffix(c, len, ".slice")) {
		for (const char *p = c + len - 1; p > c + 4; p--)
			if (!strncmp(p - 4, "-pod", 4)) {
				u = p;
				break;
			}
		if (u)
			ulen = c + len - strlen(".slice") - u;
	} else if (has_prefix(c, len, "pod")) {
		u = c + 3;
		ulen = len - 3;
	}
	if (!u || ulen > POD_UID_LEN)
		return false;
	for (size_t i = 0; i < ulen; i++)
		uid[i] = u[i] == '_' ? '-' : u[i];
	uid[ulen] = 0;
	return valid_uid(uid, ulen);
}

bool cgroup_path_parse(const char *path, struct cgroup_attr *a)
{
	const char *c = path, *parent = "";
	size_t parent_len = 0;

	memset(a, 0, sizeof(*a));
	a->runtime = "";
	while (*c) {
		size_t len = strcspn(c, "/");
		char uid[POD_UID_LEN + 1];

		a->kind = CGROUP_OTHER;
		if (len && parse_pod(c, len, uid)) {
			/* a pod inside a container (kind): the inner pod wins */
			memcpy(a->pod_uid, uid, sizeof(uid));
			a->container_id[0] = 0;
			a->runtime = "";
			a->kind = CGROUP_POD;
		} else if (len && parse_container(c, len, parent, parent_len, a)) {
			a->kind = CGROUP_CONTAINER;
		}
		if (len) {
			parent = c;
			parent_len = len;
		}
		c += len;
		while (*c == '/')
			c++;
	}
	return a->container_id[0] || a->pod_uid[0];
}

bool pod_log_entry_parse(const char *entry, char *ns, size_t ns_len, char *name, size_t name_len,
			 char *uid, size_t uid_len)
{
	const char *u1 = strchr(entry, '_'), *u2 = u1 ? strchr(u1 + 1, '_') : NULL;

	/* Namespaces and pod names are DNS labels/subdomains: never '_'. */
	if (!u1 || !u2 || u1 == entry || u2 == u1 + 1 || strchr(u2 + 1, '_') ||
	    !valid_uid(u2 + 1, strlen(u2 + 1)))
		return false;
	snprintf(ns, ns_len, "%.*s", (int)(u1 - entry), entry);
	snprintf(name, name_len, "%.*s", (int)(u2 - u1 - 1), u1 + 1);
	snprintf(uid, uid_len, "%s", u2 + 1);
	return true;
}

struct pod_entry {
	char uid[POD_UID_LEN + 1], name[64], ns[64];
};

static struct {
	struct pod_entry *entries;
	int n;
	uint64_t loaded_ns;
} pods;

static const char *pod_log_dir(void)
{
	return getenv("BPFSCOPE_POD_LOG_DIR") ?: "/var/log/pods";
}

static void pods_load(void)
{
	DIR *d = opendir(pod_log_dir());
	struct dirent *de;
	struct pod_entry p, *grown;

	pods.n = 0;
	pods.loaded_ns = clock_mono_ns();
	while (d && (de = readdir(d))) {
		if (!pod_log_entry_parse(de->d_name, p.ns, sizeof(p.ns), p.name, sizeof(p.name), p.uid,
					 sizeof(p.uid)))
			continue;
		grown = realloc(pods.entries, (pods.n + 1) * sizeof(*grown));
		if (!grown)
			break;
		pods.entries = grown;
		pods.entries[pods.n++] = p;
	}
	if (d)
		closedir(d);
}

static const struct pod_entry *pods_find(const char *uid)
{
	for (int i = 0; i < pods.n; i++)
		if (!strcmp(pods.entries[i].uid, uid))
			return &pods.entries[i];
	return NULL;
}

bool pod_lookup(const char *uid, char *name, size_t name_len, char *ns, size_t ns_len)
{
	const struct pod_entry *p = pods_find(uid);

	if (!p && (!pods.loaded_ns || clock_mono_ns() - pods.loaded_ns > RESCAN_NS)) {
		pods_load();
		p = pods_find(uid);
	}
	if (!p)
		return false;
	snprintf(name, name_len, "%s", p->name);
	snprintf(ns, ns_len, "%s", p->ns);
	return true;
}

static const char *cgroup_root(void)
{
	return getenv("BPFSCOPE_CGROUP_ROOT") ?: cgroup2_root();
}

/* nftw has no context argument: the walk in progress. */
static struct {
	const char *root;
	const struct common_opts *opts;
	struct cgroup_sel *sel;
	bool overflow;
} walk;

static bool selected(const struct common_opts *o, const struct cgroup_attr *a)
{
	char name[64], ns[64];

	if (o->container) {
		if (a->kind != CGROUP_CONTAINER ||
		    strncmp(a->container_id, o->container, strlen(o->container)))
			return false;
	} else if (a->kind != CGROUP_POD) {
		return false;
	}
	if (!o->pod && !o->k8s_namespace)
		return true;
	if (!a->pod_uid[0] || !pod_lookup(a->pod_uid, name, sizeof(name), ns, sizeof(ns)))
		return false;
	return (!o->pod || !strcmp(o->pod, name)) && (!o->k8s_namespace || !strcmp(o->k8s_namespace, ns));
}

static int sel_visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	struct cgroup_attr a;
	struct cgroup_sel *sel = walk.sel;

	if (type != FTW_D || ftw->level == 0)
		return 0;
	cgroup_path_parse(path + strlen(walk.root), &a);
	if (!selected(walk.opts, &a))
		return 0;
	if (sel->n == (int)(sizeof(sel->items) / sizeof(sel->items[0]))) {
		walk.overflow = true;
		return 1;
	}
	sel->items[sel->n].id = st->st_ino;
	sel->items[sel->n].level = ftw->level;
	sel->n++;
	return 0;
}

static const char *sel_describe(const struct common_opts *o, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s%s%s%s", o->container ? "--container " : "",
		 o->container ?: "", o->pod ? (o->container ? " --pod " : "--pod ") : "",
		 o->pod ?: "", o->k8s_namespace ? (o->container || o->pod ? " --namespace " : "--namespace ") : "",
		 o->k8s_namespace ?: "");
	return buf;
}

int cgroup_sel_resolve(const struct common_opts *opts, struct cgroup_sel *sel)
{
	const char *root = cgroup_root();
	char what[256];

	sel->n = 0;
	if (!opts->container && !opts->pod && !opts->k8s_namespace)
		return 0;
	sel_describe(opts, what, sizeof(what));
	if (!root) {
		log_error("%s: no cgroup v2 hierarchy is mounted (set BPFSCOPE_CGROUP_ROOT)", what);
		return -ENOENT;
	}
	walk.root = root;
	walk.opts = opts;
	walk.sel = sel;
	walk.overflow = false;
	nftw(root, sel_visit, 32, FTW_PHYS);
	if (walk.overflow) {
		log_error("%s: matches more than %d cgroups", what, sel->n);
		return -E2BIG;
	}
	if (!sel->n) {
		log_error("%s: no matching cgroup under %s (pods from %s)", what, root, pod_log_dir());
		return -ENOENT;
	}
	return 0;
}

/* cgroup v2 id -> path, from one walk of the tree, redone on a miss. */
struct id_path {
	uint64_t id;
	char *path;
};

static struct {
	struct id_path *items;
	size_t n, cap;
	uint64_t scanned_ns;
	const char *root;
} ids;

static int ids_visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	struct id_path *grown;

	(void)ftw;
	if (type != FTW_D)
		return 0;
	if (ids.n == ids.cap) {
		ids.cap = ids.cap ? ids.cap * 2 : 256;
		grown = realloc(ids.items, ids.cap * sizeof(*grown));
		if (!grown)
			return 1;
		ids.items = grown;
	}
	ids.items[ids.n].id = st->st_ino;
	ids.items[ids.n].path = strdup(path + strlen(ids.root));
	if (ids.items[ids.n].path)
		ids.n++;
	return 0;
}

static int id_cmp(const void *a, const void *b)
{
	const struct id_path *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static void ids_scan(void)
{
	for (size_t i = 0; i < ids.n; i++)
		free(ids.items[i].path);
	ids.n = 0;
	ids.scanned_ns = clock_mono_ns();
	ids.root = cgroup_root();
	if (!ids.root)
		return;
	nftw(ids.root, ids_visit, 32, FTW_PHYS);
	qsort(ids.items, ids.n, sizeof(*ids.items), id_cmp);
}

static const char *path_of_id(uint64_t id)
{
	struct id_path key = { id, NULL }, *found = NULL;

	for (int pass = 0; pass < 2 && !found; pass++) {
		if (pass || !ids.scanned_ns) {
			if (ids.scanned_ns && clock_mono_ns() - ids.scanned_ns < RESCAN_NS)
				break;
			ids_scan();
		}
		found = ids.n ? bsearch(&key, ids.items, ids.n, sizeof(key), id_cmp) : NULL;
	}
	return found ? found->path : NULL;
}

/* Hosts with containers in cgroup v1 only: any hierarchy of /proc/PID/cgroup. */
static bool attr_from_proc(pid_t pid, struct cgroup_attr *a)
{
	char file[64], line[4096], *path;
	bool found = false;
	FILE *f;

	snprintf(file, sizeof(file), "/proc/%d/cgroup", (int)pid);
	f = fopen(file, "r");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		path = strchr(line, ':');
		path = path ? strchr(path + 1, ':') : NULL;
		found = path && cgroup_path_parse(path + 1, a);
	}
	fclose(f);
	return found;
}

/* The /proc fallback, cached per pid for a second: reading /proc is itself
 * an open that opensnoop -K would see, and must not feed back. */
static bool attr_from_proc_cached(pid_t pid, struct cgroup_attr *a)
{
	static struct {
		pid_t pid;
		bool found;
		uint64_t at_ns;
		struct cgroup_attr attr;
	} cache[256];
	typeof(&cache[0]) slot = &cache[(unsigned)pid % 256];
	uint64_t now = clock_mono_ns();

	if (pid == getpid())
		return false;
	if (slot->pid != pid || now - slot->at_ns > RESCAN_NS) {
		slot->pid = pid;
		slot->at_ns = now;
		slot->found = attr_from_proc(pid, &slot->attr);
	}
	*a = slot->attr;
	return slot->found;
}

void k8s_names_of(uint64_t cgroup_id, pid_t pid, struct k8s_names *names)
{
	const char *path = cgroup_id ? path_of_id(cgroup_id) : NULL;
	struct cgroup_attr a;
	bool found = path && cgroup_path_parse(path, &a);

	/* containers only in cgroup v1: the v2 path is the root or unknown */
	if (!found && pid > 0 && (!path || !*path))
		found = attr_from_proc_cached(pid, &a);
	snprintf(names->container, sizeof(names->container), "%.12s",
		 found && a.container_id[0] ? a.container_id : "-");
	snprintf(names->pod, sizeof(names->pod), "-");
	snprintf(names->ns, sizeof(names->ns), "-");
	if (found && a.pod_uid[0] &&
	    !pod_lookup(a.pod_uid, names->pod, sizeof(names->pod), names->ns, sizeof(names->ns)))
		snprintf(names->pod, sizeof(names->pod), "pod%s", a.pod_uid);
}

int k8s_columns(const struct out_col *cols, int n, bool k8s, struct out_col *dst)
{
	static const struct out_col extra[] = {
		{ "container_id", "CONTAINER", -12 },
		{ "pod", "POD", -24 },
		{ "namespace", "NAMESPACE", -16 },
	};
	int m = 0;

	for (int i = 0; i < n - 1; i++)
		dst[m++] = cols[i];
	for (int i = 0; k8s && i < 3; i++)
		dst[m++] = extra[i];
	if (n > 0)
		dst[m++] = cols[n - 1];
	return m;
}

void k8s_out(struct out *o, uint64_t cgroup_id, pid_t pid)
{
	struct k8s_names names;

	k8s_names_of(cgroup_id, pid, &names);
	out__str(o, names.container);
	out__str(o, names.pod);
	out__str(o, names.ns);
}
