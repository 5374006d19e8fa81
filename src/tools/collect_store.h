/* SQLite storage of `bpfscope collect`. The schema (also in docs/net.md):
 *
 *   hosts(id, name UNIQUE, clock, tai_offset_s, synced, maxerror_us,
 *         esterror_us, events, drops, errors, misses, rejected)
 *   records(host_id, boundary 1-4, proto 'tcp'|'udp', family 4|6, saddr,
 *           sport, daddr, dport, seq, len, hash, ts_ns, ifindex, pid)
 *   messages(id, flow, proto, origin, final, bytes, t_send_ns, t_egress_ns,
 *            t_ingress_ns, t_recv_ns, app_ns, tx_ns, net_ns, relay_ns,
 *            rx_ns, hops)
 *
 * Times are UTC nanoseconds; addresses text ("-" unknown); hash the UDP
 * payload-head hash as a signed 64-bit integer; NULL where unknown. */
#ifndef BPFSCOPE_COLLECT_STORE_H
#define BPFSCOPE_COLLECT_STORE_H

#include <stdint.h>

#include "tools/net_join.h"
#include "tools/net_record.h"

struct store;

/* Opens (creates) the database; one error line and NULL on failure. */
struct store *store__open(const char *path);
/* Row id of the host, created or updated from its hello. */
int64_t store__hello(struct store *s, const struct net_hello *h);
int store__record(struct store *s, int64_t host_id, const struct net_rec *r);
int store__stats(struct store *s, int64_t host_id, const struct net_stats *st);
int store__rejected(struct store *s, int64_t host_id);
/* Commits what was inserted so far (inserts run in a transaction). */
int store__commit(struct store *s);
/* Loads every record into the join (hosts by name). */
int store__load(struct store *s, struct net_join *j);
/* Only records at or after min_ts_ns (UTC ns): collect -i's window. */
int store__load_since(struct store *s, struct net_join *j, int64_t min_ts_ns);
/* Replaces the messages table with the join's result. */
int store__messages(struct store *s, const struct net_join *j);
/* "client: tai, synchronised, est 10 us, max 100 us; ..." and drop total. */
void store__clock_note(struct store *s, char *buf, size_t len, uint64_t *drops,
		       uint64_t *uncovered);
void store__close(struct store *s);

#endif
