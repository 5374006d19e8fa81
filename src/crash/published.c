/* See published.h. */
#include "crash/published.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "core/metrics.h"
#include "core/serve.h"
#include "crash/report.h"

#define F_REPORTS    "bpfscope_crash_reports_total"
#define F_SUPPRESSED "bpfscope_crash_reports_suppressed_total"
#define F_RING	     "bpfscope_crash_ring_events_total"
#define F_OVERWRITE  "bpfscope_crash_ring_events_overwritten_total"

static char *kept[CRASH_PUB_KEEP]; /* oldest first */
static int nkept, limit;
static uint64_t caught, suppressed, ring_events, overwritten;

struct json_object *crash_pub_list(void)
{
	struct json_object *root = json_object_new_object(), *arr = json_object_new_array();

	for (int i = nkept - 1; i >= 0; i--) { /* newest first */
		struct json_object *r = json_tokener_parse(kept[i]);

		if (r)
			json_object_array_add(arr, r);
	}
	json_object_object_add(root, "reports", arr);
	json_object_object_add(root, "caught", json_object_new_uint64(caught));
	json_object_object_add(root, "suppressed", json_object_new_uint64(suppressed));
	json_object_object_add(root, "kept_at_most", json_object_new_int(CRASH_PUB_KEEP));
	json_object_object_add(root, "max_per_minute", json_object_new_int(limit));
	return root;
}

static void publish_list(void)
{
	serve_set_doc("crashes", crash_pub_list());
}

static void add_signal(const char *family, int sig)
{
	struct metric_label l = {"signal", crash_signal_name(sig)};
	double v = 0;

	metrics_get(family, &l, 1, &v);
	metrics_set(family, &l, 1, v + 1);
}

void crash_pub_start(int per_minute)
{
	if (!serve_metrics_on())
		return;
	limit = per_minute;
	metrics_family(F_REPORTS, METRIC_COUNTER, "crashes caught and reported, per signal");
	metrics_family(F_SUPPRESSED, METRIC_COUNTER,
		       "crashes caught but not reported (--max-per-minute), per signal");
	metrics_family(F_RING, METRIC_COUNTER,
		       "events the reported threads had recorded in their rings");
	metrics_family(F_OVERWRITE, METRIC_COUNTER,
		       "of those, events overwritten before the crash (older than --ring)");
	metrics_set(F_RING, NULL, 0, 0);
	metrics_set(F_OVERWRITE, NULL, 0, 0);
	publish_list();
}

void crash_pub_report(const struct crash_report *r)
{
	struct json_object *o;

	if (!serve_metrics_on())
		return;
	caught++;
	ring_events += r->ring_total;
	overwritten += r->ring_total > (uint64_t)r->nevents ? r->ring_total - r->nevents : 0;
	add_signal(F_REPORTS, r->sig);
	metrics_set(F_RING, NULL, 0, (double)ring_events);
	metrics_set(F_OVERWRITE, NULL, 0, (double)overwritten);
	o = crash_report_json(r);
	if (!o)
		return;
	if (nkept == CRASH_PUB_KEEP) {
		free(kept[0]);
		memmove(kept, kept + 1, sizeof(kept[0]) * --nkept);
	}
	kept[nkept] = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	if (kept[nkept])
		nkept++;
	json_object_put(o);
	publish_list();
}

void crash_pub_suppressed(int sig)
{
	if (!serve_metrics_on())
		return;
	suppressed++;
	add_signal(F_SUPPRESSED, sig);
	publish_list();
}

void crash_pub_free(void)
{
	for (int i = 0; i < nkept; i++)
		free(kept[i]);
	nkept = 0;
	caught = suppressed = ring_events = overwritten = 0;
}
