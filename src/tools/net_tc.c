/* tc attachment for `bpfscope net`.
 *
 * tcx links (Linux 6.6+) belong to the process: closing the fd, exit or any
 * signal, SIGKILL included, detaches them. Older kernels only have classic
 * clsact filters, which belong to the interface and outlive the process.
 * They are cleaned up in three ways:
 *   - at exit, Ctrl-C and SIGTERM (the event loop turns both into a normal
 *     return, then net_tc_detach runs);
 *   - a SIGKILLed run's filters are removed by the next start: every filter
 *     is tied to a slot (handle NET_TC_HANDLE + slot, priority
 *     NET_TC_PRIORITY) whose lock file, /run/bpfscope/tc-NETNS-IFINDEX-SLOT,
 *     the process holds with flock for its whole life. The kernel releases
 *     a flock when its holder dies however it dies, so at start a slot whose
 *     lock can be taken but whose filter exists is stale, and its filters
 *     are deleted;
 *   - concurrent runs on one interface take different slots, so one never
 *     removes another's live filter.
 * The clsact qdisc itself is left in place (other tools may use it). */
#include "tools/net_tc.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/features.h"
#include "core/log.h"

#define TCX_INGRESS_TYPE 46 /* BPF_TCX_INGRESS, newer than libbpf 1.1's headers */
#define TCX_EGRESS_TYPE	 47
#define LOCK_DIR	 "/run/bpfscope"

void net_tc_init(struct net_tc *t)
{
	*t = (struct net_tc){.legacy = !feature_has(FEAT_TCX)};
}

const char *net_tc_mechanism(const struct net_tc *t)
{
	return t->legacy ? "tc_legacy" : "tcx";
}

static int attach_tcx(struct net_tc *t, int prog_fd, int ifindex, const char *iface, bool ingress)
{
	int fd = bpf_link_create(prog_fd, ifindex, ingress ? TCX_INGRESS_TYPE : TCX_EGRESS_TYPE,
				 NULL);

	if (fd < 0) {
		log_error("cannot attach tc %s (tcx) to %s: %s", ingress ? "ingress" : "egress",
			  iface, strerror(errno));
		return -errno;
	}
	t->links[t->nlinks++] = fd;
	return 0;
}

static struct bpf_tc_hook tc_hook(int ifindex, bool ingress)
{
	return (struct bpf_tc_hook){.sz = sizeof(struct bpf_tc_hook), .ifindex = ifindex,
				    .attach_point = ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS};
}

static int quiet_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	(void)level;
	(void)fmt;
	(void)args;
	return 0;
}

/* Deletes our filter of one slot and direction; 1 if there was one. A
 * missing filter or qdisc is the normal case: libbpf's warning with the
 * kernel's netlink message is silenced for it. */
static int remove_filter(int ifindex, int slot, bool ingress)
{
	struct bpf_tc_hook hook = tc_hook(ifindex, ingress);
	struct bpf_tc_opts opts = {.sz = sizeof(opts), .handle = NET_TC_HANDLE + slot,
				   .priority = NET_TC_PRIORITY};
	libbpf_print_fn_t old = libbpf_set_print(quiet_print);
	int err = bpf_tc_detach(&hook, &opts);

	libbpf_set_print(old);
	return err == 0;
}

/* Takes the slot's lock without waiting: fd, or -1 if a live run holds it. */
static int lock_slot(unsigned long netns, int ifindex, int slot)
{
	char path[96];
	int fd;

	snprintf(path, sizeof(path), LOCK_DIR "/tc-%lu-%d-%d", netns, ifindex, slot);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -2;
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Takes a free slot for ifindex; on the way removes the filters of every
 * slot that no live process holds (left by a SIGKILLed run). */
static int claim_slot(struct net_tc *t, struct net_tc_iface *ifc, const char *iface)
{
	struct stat st;

	if (stat("/proc/self/ns/net", &st))
		st.st_ino = 0;
	mkdir("/run", 0755);
	mkdir(LOCK_DIR, 0700);
	ifc->lock_fd = -1;
	for (int slot = 0; slot < NET_TC_SLOTS; slot++) {
		int fd = lock_slot(st.st_ino, ifc->ifindex, slot);

		if (fd == -2) {
			log_error("cannot create lock files in " LOCK_DIR ": %s", strerror(errno));
			return -errno;
		}
		if (fd < 0)
			continue;
		t->stale_removed += remove_filter(ifc->ifindex, slot, true);
		t->stale_removed += remove_filter(ifc->ifindex, slot, false);
		if (ifc->lock_fd < 0) {
			ifc->lock_fd = fd;
			ifc->slot = slot;
		} else {
			close(fd);
		}
	}
	if (ifc->lock_fd < 0) {
		log_error("%s: all %d tc filter slots are held by running bpfscope net", iface,
			  NET_TC_SLOTS);
		return -EBUSY;
	}
	return 0;
}

static struct net_tc_iface *iface_of(struct net_tc *t, int ifindex, const char *iface)
{
	struct net_tc_iface *ifc;

	for (int i = 0; i < t->nifs; i++)
		if (t->ifs[i].ifindex == ifindex)
			return &t->ifs[i];
	if (t->nifs == NET_TC_MAX_IFACES)
		return NULL;
	ifc = &t->ifs[t->nifs];
	*ifc = (struct net_tc_iface){.ifindex = ifindex};
	if (claim_slot(t, ifc, iface))
		return NULL;
	t->nifs++;
	if (t->stale_removed)
		log_warn("%s: removed %d tc filter(s) left by a killed bpfscope net", iface,
			 t->stale_removed);
	t->stale_removed = 0;
	return ifc;
}

static int attach_legacy(struct net_tc *t, int prog_fd, int ifindex, const char *iface,
			 bool ingress)
{
	struct net_tc_iface *ifc = iface_of(t, ifindex, iface);
	struct bpf_tc_hook hook = tc_hook(ifindex, ingress);
	struct bpf_tc_opts opts = {.sz = sizeof(opts), .prog_fd = prog_fd,
				   .handle = NET_TC_HANDLE, .priority = NET_TC_PRIORITY};
	int err;

	if (!ifc)
		return -EBUSY;
	opts.handle += ifc->slot;
	err = bpf_tc_hook_create(&hook); /* the clsact qdisc, if not there yet */
	if (err && err != -EEXIST) {
		log_error("cannot create clsact on %s: %s", iface, strerror(-err));
		return err;
	}
	err = bpf_tc_attach(&hook, &opts);
	if (err) {
		log_error("cannot attach tc %s (classic clsact filter) to %s: %s",
			  ingress ? "ingress" : "egress", iface, strerror(-err));
		return err;
	}
	*(ingress ? &ifc->ingress : &ifc->egress) = true;
	return 0;
}

int net_tc_attach(struct net_tc *t, int prog_fd, int ifindex, const char *iface, bool ingress)
{
	if (t->legacy)
		return attach_legacy(t, prog_fd, ifindex, iface, ingress);
	return attach_tcx(t, prog_fd, ifindex, iface, ingress);
}

void net_tc_detach(struct net_tc *t)
{
	for (int i = 0; i < t->nlinks; i++)
		close(t->links[i]);
	t->nlinks = 0;
	for (int i = 0; i < t->nifs; i++) {
		struct net_tc_iface *ifc = &t->ifs[i];

		if (ifc->ingress)
			remove_filter(ifc->ifindex, ifc->slot, true);
		if (ifc->egress)
			remove_filter(ifc->ifindex, ifc->slot, false);
		close(ifc->lock_fd); /* after the filters are gone */
	}
	t->nifs = 0;
}
