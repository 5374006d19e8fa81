/* `spans --serve/--otlp`: each finished request as OTLP spans (the root a
 * SERVER span, its children nested by the kernel's parent ids, peers as
 * server.address/server.port and round-trip attributes, connection events
 * as span events) and a per-probe duration histogram
 * (bpfscope_span_duration_seconds{probe,role}). Trace id: the root's
 * (boot, pid, tid, start) as for trace's return probes (core/otlp.h). */
#ifndef BPFSCOPE_PROBE_SPAN_SERVE_H
#define BPFSCOPE_PROBE_SPAN_SERVE_H

#include "probe/span_run.h"

void span_serve_request(const struct span_run *sr, const struct span_request *req);

#endif
