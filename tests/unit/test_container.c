/* Container and pod attribution from cgroup paths seen on real hosts, the
 * kubelet pod log directory, and the selection walk over a fixture tree. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/container.h"
#include "core/output.h"

#define CID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define CID2 "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
#define UID "5e1c1f2a-7b3d-4c5e-9f00-112233445566"
#define UID_ "5e1c1f2a_7b3d_4c5e_9f00_112233445566"

struct example {
	const char *path;
	const char *container, *pod_uid, *runtime;
	enum cgroup_kind kind;
};

static const struct example examples[] = {
	/* Kubernetes, systemd driver, cgroup v2 */
	{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
	  ".slice/cri-containerd-" CID ".scope",
	  CID, UID, "containerd", CGROUP_CONTAINER },
	{ "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_
	  ".slice/crio-" CID ".scope",
	  CID, UID, "cri-o", CGROUP_CONTAINER },
	{ "/kubepods.slice/kubepods-pod" UID_ ".slice/docker-" CID ".scope", CID, UID, "docker",
	  CGROUP_CONTAINER },
	{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_ ".slice", "", UID,
	  "", CGROUP_POD },
	/* CRI-O's conmon is the pod's, not a container */
	{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
	  ".slice/crio-conmon-" CID ".scope",
	  "", UID, "", CGROUP_OTHER },
	/* cgroupfs driver (v1 and v2) */
	{ "/kubepods/burstable/pod" UID "/" CID, CID, UID, "cri", CGROUP_CONTAINER },
	{ "/kubepods/besteffort/pod" UID "/crio-" CID, CID, UID, "cri-o", CGROUP_CONTAINER },
	{ "/kubepods/pod" UID "/" CID, CID, UID, "cri", CGROUP_CONTAINER },
	{ "/kubepods/burstable/pod" UID, "", UID, "", CGROUP_POD },
	/* static pod: the uid is a 32-digit config hash */
	{ "/kubepods/burstable/pod0f1e2d3c4b5a69788796a5b4c3d2e1f0/" CID, CID,
	  "0f1e2d3c4b5a69788796a5b4c3d2e1f0", "cri", CGROUP_CONTAINER },
	/* Docker and Podman without Kubernetes */
	{ "/system.slice/docker-" CID ".scope", CID, "", "docker", CGROUP_CONTAINER },
	{ "/docker/" CID, CID, "", "docker", CGROUP_CONTAINER },
	{ "/machine.slice/libpod-" CID ".scope", CID, "", "podman", CGROUP_CONTAINER },
	{ "/machine.slice/libpod-" CID ".scope/container", CID, "", "podman", CGROUP_OTHER },
	/* kind: a node in a Docker container, the pod inside wins */
	{ "/docker/" CID2 "/kubepods/besteffort/pod" UID "/" CID, CID, UID, "cri", CGROUP_CONTAINER },
	{ "/system.slice/docker-" CID2 ".scope/kubepods/pod" UID, "", UID, "", CGROUP_POD },
	/* a process below the container cgroup (systemd in a container) */
	{ "/kubepods.slice/kubepods-pod" UID_ ".slice/cri-containerd-" CID ".scope/init.scope", CID,
	  UID, "containerd", CGROUP_OTHER },
	/* not containers */
	{ "/", "", "", "", CGROUP_OTHER },
	{ "", "", "", "", CGROUP_OTHER },
	{ "/user.slice/user-0.slice/session-1.scope", "", "", "", CGROUP_OTHER },
	{ "/system.slice/docker.service", "", "", "", CGROUP_OTHER },
	{ "/docker/0123abc", "", "", "", CGROUP_OTHER },            /* short id */
	{ "/docker-" CID "x.scope", "", "", "", CGROUP_OTHER },      /* 65 chars */
	{ "/kubepods/burstable/podnot-a-uid", "", "", "", CGROUP_OTHER },
	{ "/kubepods.slice/kubepods-burstable.slice", "", "", "", CGROUP_OTHER },
	{ "/podcast/" CID, CID, "", "", CGROUP_CONTAINER },
};

static void test_paths(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(examples) / sizeof(examples[0]); i++) {
		const struct example *ex = &examples[i];
		struct cgroup_attr a;
		bool found = cgroup_path_parse(ex->path, &a);

		printf("# %s\n", ex->path);
		assert_int_equal(found, ex->container[0] || ex->pod_uid[0]);
		assert_string_equal(a.container_id, ex->container);
		assert_string_equal(a.pod_uid, ex->pod_uid);
		assert_string_equal(a.runtime, ex->runtime);
		assert_int_equal(a.kind, ex->kind);
	}
}

static void test_pod_log_entries(void **state)
{
	char ns[64], name[64], uid[64];

	(void)state;
	assert_true(pod_log_entry_parse("kube-system_coredns-5d78c9869d-abcde_" UID, ns, sizeof(ns),
					name, sizeof(name), uid, sizeof(uid)));
	assert_string_equal(ns, "kube-system");
	assert_string_equal(name, "coredns-5d78c9869d-abcde");
	assert_string_equal(uid, UID);
	assert_false(pod_log_entry_parse("default_web_notauid", ns, sizeof(ns), name, sizeof(name),
					 uid, sizeof(uid)));
	assert_false(pod_log_entry_parse("default_" UID, ns, sizeof(ns), name, sizeof(name), uid,
					 sizeof(uid)));
	assert_false(pod_log_entry_parse("_web_" UID, ns, sizeof(ns), name, sizeof(name), uid,
					 sizeof(uid)));
	assert_false(pod_log_entry_parse("a_b_c_" UID, ns, sizeof(ns), name, sizeof(name), uid,
					 sizeof(uid)));
}

static char fixture[256];

static void mkdirs(const char *rel)
{
	char cmd[PATH_MAX * 2];

	snprintf(cmd, sizeof(cmd), "mkdir -p '%s/%s'", fixture, rel);
	assert_int_equal(system(cmd), 0);
}

#define POD_A "kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_ ".slice"
#define UID_B "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
#define POD_B "kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-podaaaaaaaa_bbbb_cccc_dddd_eeeeeeeeeeee.slice"

static int setup(void **state)
{
	char cg[PATH_MAX], logs[PATH_MAX];

	(void)state;
	snprintf(fixture, sizeof(fixture), "/tmp/bpfscope-test-container-%d", getpid());
	mkdirs("cg/" POD_A "/cri-containerd-" CID ".scope");
	mkdirs("cg/" POD_A "/cri-containerd-" CID2 ".scope");
	mkdirs("cg/" POD_B "/cri-containerd-" CID2 "x.scope");
	mkdirs("cg/system.slice/docker-" CID2 ".scope");
	mkdirs("logs/shop_web-7d4b9c_" UID "/nginx");
	mkdirs("logs/kube-system_dns-1_" UID_B "/coredns");
	snprintf(cg, sizeof(cg), "%s/cg", fixture);
	snprintf(logs, sizeof(logs), "%s/logs", fixture);
	setenv("BPFSCOPE_CGROUP_ROOT", cg, 1);
	setenv("BPFSCOPE_POD_LOG_DIR", logs, 1);
	return 0;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX * 2];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fixture);
	return system(cmd);
}

static uint64_t ino_of(const char *rel)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/cg/%s", fixture, rel);
	assert_int_equal(stat(path, &st), 0);
	return st.st_ino;
}

static void test_select(void **state)
{
	struct common_opts opts = { 0 };
	static struct cgroup_sel sel;

	(void)state;
	opts.pod = "web-7d4b9c";
	assert_int_equal(cgroup_sel_resolve(&opts, &sel), 0);
	assert_int_equal(sel.n, 1);
	assert_int_equal(sel.items[0].id, ino_of(POD_A));
	assert_int_equal(sel.items[0].level, 3);

	opts.pod = NULL;
	opts.k8s_namespace = "kube-system";
	assert_int_equal(cgroup_sel_resolve(&opts, &sel), 0);
	assert_int_equal(sel.n, 1);
	assert_int_equal(sel.items[0].id, ino_of(POD_B));

	opts.k8s_namespace = NULL;
	opts.container = "fedcba98"; /* prefix: the pod A container and the Docker one */
	assert_int_equal(cgroup_sel_resolve(&opts, &sel), 0);
	assert_int_equal(sel.n, 2);
	for (int i = 0; i < 2; i++)
		assert_int_equal(sel.items[i].level, sel.items[i].id == ino_of(POD_A "/cri-containerd-" CID2 ".scope") ? 4 : 2);

	opts.pod = "web-7d4b9c"; /* and in that pod: only one */
	assert_int_equal(cgroup_sel_resolve(&opts, &sel), 0);
	assert_int_equal(sel.n, 1);

	opts.container = NULL;
	opts.pod = "nosuchpod";
	assert_int_not_equal(cgroup_sel_resolve(&opts, &sel), 0);
	opts.pod = "web-7d4b9c";
	opts.k8s_namespace = "kube-system"; /* wrong namespace */
	assert_int_not_equal(cgroup_sel_resolve(&opts, &sel), 0);
}

static void test_names(void **state)
{
	struct k8s_names names;

	(void)state;
	k8s_names_of(ino_of(POD_A "/cri-containerd-" CID ".scope"), 0, &names);
	assert_string_equal(names.container, "0123456789ab");
	assert_string_equal(names.pod, "web-7d4b9c");
	assert_string_equal(names.ns, "shop");
	k8s_names_of(ino_of("system.slice/docker-" CID2 ".scope"), 0, &names);
	assert_string_equal(names.container, "fedcba987654");
	assert_string_equal(names.pod, "-");
	k8s_names_of(ino_of("system.slice"), 0, &names);
	assert_string_equal(names.container, "-");
	assert_string_equal(names.ns, "-");
}

static void test_columns(void **state)
{
	static const struct out_col base[] = { { "pid", "PID", 7 }, { "path", "PATH", 0 } };
	struct out_col cols[5];

	(void)state;
	assert_int_equal(k8s_columns(base, 2, false, cols), 2);
	assert_string_equal(cols[1].key, "path");
	assert_int_equal(k8s_columns(base, 2, true, cols), 5);
	assert_string_equal(cols[0].key, "pid");
	assert_string_equal(cols[1].key, "container_id");
	assert_string_equal(cols[2].key, "pod");
	assert_string_equal(cols[3].key, "namespace");
	assert_string_equal(cols[4].key, "path"); /* the last column keeps the rest of the line */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_pod_log_entries),
		cmocka_unit_test(test_columns),
		cmocka_unit_test_setup_teardown(test_select, setup, teardown),
		cmocka_unit_test_setup_teardown(test_names, setup, teardown),
	};

	return cmocka_run_group_tests_name("container", tests, NULL, NULL);
}
