/* Containers and Kubernetes pods from cgroup paths.
 *
 * Container runtimes name cgroups after what they run, so the cgroup path of
 * a process says which container and pod it belongs to:
 *
 *   systemd driver   kubepods.slice/kubepods-burstable.slice/
 *                      kubepods-burstable-pod<uid_with_underscores>.slice/
 *                      cri-containerd-<id>.scope | crio-<id>.scope | docker-<id>.scope
 *   cgroupfs driver  kubepods/burstable/pod<uid>/<id>   (or crio-<id>)
 *   plain Docker     system.slice/docker-<id>.scope, /docker/<id>
 *   Podman           machine.slice/libpod-<id>.scope
 *
 * cgroup_path_parse() reads any of these (v1 or v2, nested as in kind, where
 * the innermost container wins). The pod's name and namespace are not in the
 * path: the kubelet's log directory has one entry per pod,
 * <pod log dir>/<namespace>_<pod>_<uid>/<container>/N.log, which maps uid to
 * both. Roots are configurable so tests can build fixture trees:
 *
 *   BPFSCOPE_CGROUP_ROOT   cgroup v2 mount (default: found in /proc/self/mounts)
 *   BPFSCOPE_POD_LOG_DIR   kubelet pod logs (default: /var/log/pods)
 *
 * Filtering (--container/--pod/--namespace) happens in the kernel: the
 * matching container or pod cgroups are resolved here, by walking the cgroup
 * v2 tree, to (id, level) pairs that session.c loads into the cgroup_allow map
 * of common.bpf.h, which matches a task whose cgroup or an ancestor is listed.
 * Pods created after start are not added. */
#ifndef BPFSCOPE_CONTAINER_H
#define BPFSCOPE_CONTAINER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/options.h"

struct out;
struct out_col;

#define CONTAINER_ID_LEN 64
#define POD_UID_LEN 36

enum cgroup_kind {
	CGROUP_OTHER,     /* no container or pod in the last component */
	CGROUP_POD,       /* the last component is a pod cgroup */
	CGROUP_CONTAINER, /* the last component is a container cgroup */
};

struct cgroup_attr {
	char container_id[CONTAINER_ID_LEN + 1]; /* "" when none */
	char pod_uid[POD_UID_LEN + 1];           /* with dashes; "" when none */
	const char *runtime; /* "containerd", "cri-o", "docker", "podman", "cri" or "" */
	enum cgroup_kind kind;
};

/* Parses a cgroup path (v1 or v2). Returns true when a container or pod was
 * found anywhere in it. */
bool cgroup_path_parse(const char *path, struct cgroup_attr *attr);

/* Pod name and namespace of a pod uid, from the pod log directory. Returns
 * false when unknown. */
bool pod_lookup(const char *uid, char *name, size_t name_len, char *ns, size_t ns_len);
/* Splits a pod log directory entry "<namespace>_<pod>_<uid>". */
bool pod_log_entry_parse(const char *entry, char *ns, size_t ns_len, char *name, size_t name_len,
			 char *uid, size_t uid_len);

/* The cgroups --container/--pod/--namespace select, found under the cgroup
 * v2 root. level: depth below the root (the kernel's cgroup level). */
struct cgroup_sel {
	int n;
	struct {
		uint64_t id;
		int level;
	} items[256];
};

/* Fills sel (n = 0 when no such option was given). Prints one error line and
 * returns < 0 when an option matches no cgroup. */
int cgroup_sel_resolve(const struct common_opts *opts, struct cgroup_sel *sel);

/* -K attribution of an event by its cgroup v2 id (and pid, for hosts where
 * the process sits in cgroup v1 only). */
struct k8s_names {
	char container[13]; /* short id */
	char pod[64];
	char ns[64];
};
void k8s_names_of(uint64_t cgroup_id, pid_t pid, struct k8s_names *names);

/* Copies n columns and, with k8s, inserts the three attribution columns
 * before the last one (which takes the rest of a text line). dst holds n + 3.
 * Returns the new count. */
int k8s_columns(const struct out_col *cols, int n, bool k8s, struct out_col *dst);
/* Emits the three attribution fields (call where k8s_columns put them). */
void k8s_out(struct out *o, uint64_t cgroup_id, pid_t pid);

#endif
