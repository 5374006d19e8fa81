/* What the crash recorder shows through `--serve` (core/serve): metrics
 * and the last reports as a JSON document for /api/crashes and the web
 * UI's Crashes view.
 *
 * Design: the recorder calls these on the event-loop thread, right after
 * a report is emitted or suppressed. The last CRASH_PUB_KEEP reports are
 * kept as serialized JSON; each change builds a fresh document from them
 * and hands it to serve_set_doc, so the HTTP thread never sees an object
 * that is still being changed. Nothing happens when --serve is off. */
#ifndef BPFSCOPE_CRASH_PUBLISHED_H
#define BPFSCOPE_CRASH_PUBLISHED_H

#include <stdint.h>

struct crash_report;

#define CRASH_PUB_KEEP 32

/* Declares the families (zero values) and publishes an empty list. */
void crash_pub_start(int per_minute);
/* A report was emitted: counted per signal, kept in the list. */
void crash_pub_report(const struct crash_report *r);
/* A crash was not reported (the per-minute bound): counted per signal. */
void crash_pub_suppressed(int sig);
/* The document /api/crashes serves, built from what is kept (tests). */
struct json_object *crash_pub_list(void);
/* Forgets the kept reports. */
void crash_pub_free(void);

#endif
