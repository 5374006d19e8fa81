/* tc attachment for `bpfscope net`: a tcx link where the kernel has one
 * (6.6+, feature "tcx"), else a classic clsact filter (netlink, libbpf's
 * bpf_tc_*). See net_tc.c for how classic filters are cleaned up. */
#ifndef BPFSCOPE_NET_TC_H
#define BPFSCOPE_NET_TC_H

#include <stdbool.h>

#define NET_TC_MAX_IFACES 16
/* Classic filters: priority NET_TC_PRIORITY, handle NET_TC_HANDLE + slot. */
#define NET_TC_PRIORITY 0xb5c
#define NET_TC_HANDLE	0xb5c00
#define NET_TC_SLOTS	16

struct net_tc_iface {
	int ifindex;
	int slot;    /* classic: the slot whose lock this process holds */
	int lock_fd; /* classic: flock'ed for the life of the process */
	bool ingress, egress;
};

struct net_tc {
	bool legacy; /* classic clsact filters instead of tcx links */
	int links[2 * NET_TC_MAX_IFACES];
	int nlinks;
	struct net_tc_iface ifs[NET_TC_MAX_IFACES];
	int nifs;
	int stale_removed; /* filters of killed runs removed at start */
};

/* Chooses tcx or classic from the feature table. */
void net_tc_init(struct net_tc *t);
/* "tcx" or "tc_legacy" (classic clsact filter) */
const char *net_tc_mechanism(const struct net_tc *t);
/* Attaches prog_fd on ifindex (ingress or egress). Prints its own error. */
int net_tc_attach(struct net_tc *t, int prog_fd, int ifindex, const char *iface, bool ingress);
/* Detaches everything attached (classic filters included); idempotent. */
void net_tc_detach(struct net_tc *t);

#endif
