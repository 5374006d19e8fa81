#!/usr/bin/env python3
"""A strict OTLP/HTTP JSON trace receiver for tests/integ/otlp.sh.

Validates every request against the OTLP specification (opentelemetry-proto
trace/v1 ExportTraceServiceRequest, JSON mapping of OTLP/HTTP, or the
protobuf wire format, decoded here by field number into the JSON mapping
first, unknown fields and wrong wire types rejected): field names
in lowerCamelCase, traceId 32 and spanId 16 lower-case hex characters and not
all zero, uint64 nanosecond times as decimal strings, int64 attribute values
as decimal strings, AnyValue with exactly one value field, SpanKind 0..5.

Usage: otlp_receiver.py OUTDIR [--fail-first N] [--bind ADDR]
Writes OUTDIR/port once listening, appends every accepted span as one JSON
line to OUTDIR/spans.jsonl, every validation error to OUTDIR/errors.txt, and
answers the first N requests with 503 (to exercise the exporter's retries).
Exits after 60 s at most."""
import json
import os
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HEX32 = re.compile(r"^[0-9a-f]{32}$")
HEX16 = re.compile(r"^[0-9a-f]{16}$")
U64 = re.compile(r"^[0-9]+$")
I64 = re.compile(r"^-?[0-9]+$")
SPAN_FIELDS = {"traceId", "spanId", "parentSpanId", "traceState", "name", "kind",
               "startTimeUnixNano", "endTimeUnixNano", "attributes",
               "droppedAttributesCount", "events", "droppedEventsCount", "links",
               "droppedLinksCount", "status", "flags"}
VALUE_FIELDS = {"stringValue", "boolValue", "intValue", "doubleValue", "arrayValue",
                "kvlistValue", "bytesValue"}

outdir = sys.argv[1]
opts = dict(zip(sys.argv[2::2], sys.argv[3::2]))
fail_first = int(opts.get("--fail-first", 0))
bind = opts.get("--bind", "127.0.0.1")
lock = threading.Lock()
state = {"requests": 0}


def pb_varint(buf, i):
    shift = v = 0
    while True:
        b = buf[i]
        i += 1
        v |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return v, i


def pb_fields(buf):
    i, out = 0, []
    while i < len(buf):
        key, i = pb_varint(buf, i)
        field, wire = key >> 3, key & 7
        if wire == 0:
            v, i = pb_varint(buf, i)
        elif wire == 1:
            v, i = buf[i:i + 8], i + 8
        elif wire == 2:
            n, i = pb_varint(buf, i)
            v, i = buf[i:i + n], i + n
        else:
            raise ValueError(f"wire type {wire} of field {field}")
        out.append((field, wire, v))
    return out


# message -> {field number: (json name, wire type, converter, repeated)}
def pb_message(buf, schema, where):
    out = {}
    for field, wire, v in pb_fields(buf):
        if field not in schema:
            raise ValueError(f"{where}: unknown field {field}")
        name, want, conv, repeated = schema[field]
        if wire != want:
            raise ValueError(f"{where}.{name}: wire type {wire}, expected {want}")
        val = conv(v)
        if repeated:
            out.setdefault(name, []).append(val)
        else:
            out[name] = val
    return out


def u64(b):
    return str(int.from_bytes(b, "little"))


def i64(v):
    return str(v - (1 << 64) if v >= 1 << 63 else v)


def anyvalue(b):
    return pb_message(b, {1: ("stringValue", 2, lambda x: x.decode(), False),
                          2: ("boolValue", 0, bool, False),
                          3: ("intValue", 0, i64, False),
                          4: ("doubleValue", 1, lambda x: __import__("struct").unpack("<d", x)[0], False)},
                      "AnyValue")


def keyvalue(b):
    return pb_message(b, {1: ("key", 2, lambda x: x.decode(), False), 2: ("value", 2, anyvalue, False)}, "KeyValue")


def event(b):
    return pb_message(b, {1: ("timeUnixNano", 1, u64, False), 2: ("name", 2, lambda x: x.decode(), False),
                          3: ("attributes", 2, keyvalue, True)}, "Event")


def span_pb(b):
    s = pb_message(b, {1: ("traceId", 2, bytes.hex, False), 2: ("spanId", 2, bytes.hex, False),
                       3: ("traceState", 2, lambda x: x.decode(), False),
                       4: ("parentSpanId", 2, bytes.hex, False), 5: ("name", 2, lambda x: x.decode(), False),
                       6: ("kind", 0, int, False), 7: ("startTimeUnixNano", 1, u64, False),
                       8: ("endTimeUnixNano", 1, u64, False), 9: ("attributes", 2, keyvalue, True),
                       11: ("events", 2, event, True),
                       15: ("status", 2, lambda x: pb_message(x, {3: ("code", 0, int, False)}, "Status"), False)},
                   "Span")
    s.setdefault("attributes", [])
    return s


def request_pb(body):
    scope = lambda x: pb_message(x, {1: ("name", 2, lambda y: y.decode(), False),
                                     2: ("version", 2, lambda y: y.decode(), False)}, "Scope")
    scope_spans = lambda x: pb_message(x, {1: ("scope", 2, scope, False), 2: ("spans", 2, span_pb, True)}, "ScopeSpans")
    resource = lambda x: pb_message(x, {1: ("attributes", 2, keyvalue, True)}, "Resource")
    rs = lambda x: pb_message(x, {1: ("resource", 2, resource, False), 2: ("scopeSpans", 2, scope_spans, True)},
                              "ResourceSpans")
    return pb_message(body, {1: ("resourceSpans", 2, rs, True)}, "ExportTraceServiceRequest")


def check_value(v, where, errs):
    if not isinstance(v, dict) or len(v) != 1 or next(iter(v)) not in VALUE_FIELDS:
        errs.append(f"{where}: AnyValue must have exactly one value field: {v!r}")
        return
    kind, val = next(iter(v.items()))
    if kind == "stringValue" and not isinstance(val, str):
        errs.append(f"{where}: stringValue not a string")
    if kind == "intValue" and not (isinstance(val, str) and I64.match(val)):
        errs.append(f"{where}: intValue must be a decimal string (int64): {val!r}")
    if kind == "boolValue" and not isinstance(val, bool):
        errs.append(f"{where}: boolValue not a bool")
    if kind == "doubleValue" and not isinstance(val, (int, float)):
        errs.append(f"{where}: doubleValue not a number")


def check_attrs(attrs, where, errs):
    if not isinstance(attrs, list):
        errs.append(f"{where}: attributes must be a list")
        return {}
    seen = {}
    for kv in attrs:
        if not isinstance(kv, dict) or set(kv) != {"key", "value"} or not isinstance(kv["key"], str) \
                or not kv["key"]:
            errs.append(f"{where}: KeyValue must be {{key, value}}: {kv!r}")
            continue
        if kv["key"] in seen:
            errs.append(f"{where}: duplicate attribute key {kv['key']}")
        check_value(kv["value"], f"{where}.{kv['key']}", errs)
        seen[kv["key"]] = next(iter(kv["value"].values()), None) if isinstance(kv["value"], dict) else None
    return seen


def check_time(t, where, errs):
    if not (isinstance(t, str) and U64.match(t)):
        errs.append(f"{where}: must be a decimal string of nanoseconds: {t!r}")
        return 0
    ns = int(t)
    if abs(ns - time.time_ns()) > 3600 * 10**9:
        errs.append(f"{where}: {ns} is not within an hour of now")
    return ns


def check_span(s, where, errs):
    extra = set(s) - SPAN_FIELDS
    if extra:
        errs.append(f"{where}: unknown span fields {sorted(extra)}")
    if not HEX32.match(str(s.get("traceId", ""))) or s["traceId"] == "0" * 32:
        errs.append(f"{where}: traceId must be 32 lower-case hex, not zero: {s.get('traceId')!r}")
    if not HEX16.match(str(s.get("spanId", ""))) or s["spanId"] == "0" * 16:
        errs.append(f"{where}: spanId must be 16 lower-case hex, not zero: {s.get('spanId')!r}")
    if "parentSpanId" in s and (not HEX16.match(str(s["parentSpanId"])) or s["parentSpanId"] == "0" * 16):
        errs.append(f"{where}: parentSpanId must be 16 hex (absent for a root)")
    if not isinstance(s.get("name"), str) or not s["name"]:
        errs.append(f"{where}: name must be a non-empty string")
    if not isinstance(s.get("kind", 0), int) or not 0 <= s.get("kind", 0) <= 5:
        errs.append(f"{where}: kind must be a SpanKind number 0..5")
    start = check_time(s.get("startTimeUnixNano"), f"{where}.startTimeUnixNano", errs)
    end = check_time(s.get("endTimeUnixNano"), f"{where}.endTimeUnixNano", errs)
    if end < start:
        errs.append(f"{where}: ends before it starts")
    attrs = check_attrs(s.get("attributes", []), f"{where}.attributes", errs)
    for i, e in enumerate(s.get("events", [])):
        check_time(e.get("timeUnixNano"), f"{where}.events[{i}].timeUnixNano", errs)
        if not isinstance(e.get("name"), str) or not e["name"]:
            errs.append(f"{where}.events[{i}]: name must be a non-empty string")
        check_attrs(e.get("attributes", []), f"{where}.events[{i}].attributes", errs)
    if "status" in s and s["status"].get("code") not in (0, 1, 2):
        errs.append(f"{where}: status.code must be 0..2")
    return attrs


def validate(doc):
    errs, spans = [], []
    if not isinstance(doc, dict) or set(doc) != {"resourceSpans"}:
        return ["top level must be {resourceSpans}"], []
    for ri, rs in enumerate(doc["resourceSpans"]):
        where = f"resourceSpans[{ri}]"
        res = check_attrs(rs.get("resource", {}).get("attributes"), f"{where}.resource", errs)
        for key in ("service.name", "host.name", "process.pid"):
            if key not in res:
                errs.append(f"{where}.resource: missing {key}")
        if "process.pid" in res and not I64.match(str(res["process.pid"])):
            errs.append(f"{where}.resource: process.pid must be an intValue")
        for si, ss in enumerate(rs.get("scopeSpans", [])):
            if not isinstance(ss.get("scope", {}).get("name"), str):
                errs.append(f"{where}.scopeSpans[{si}]: scope.name missing")
            for pi, s in enumerate(ss.get("spans", [])):
                attrs = check_span(s, f"{where}.scopeSpans[{si}].spans[{pi}]", errs)
                spans.append({"traceId": s.get("traceId"), "spanId": s.get("spanId"),
                              "parentSpanId": s.get("parentSpanId"), "name": s.get("name"),
                              "kind": s.get("kind"), "error": s.get("status", {}).get("code") == 2,
                              "start": s.get("startTimeUnixNano"), "end": s.get("endTimeUnixNano"),
                              "attributes": attrs, "resource": res,
                              "events": [[e.get("name"), e.get("timeUnixNano"),
                                          check_attrs(e.get("attributes", []), "event", []).get("host.name")]
                                         for e in s.get("events", [])]})
    return errs, spans


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, code, body=b"{}"):
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with lock:
            state["requests"] += 1
            if state["requests"] <= fail_first:
                return self.reply(503)
        errs = []
        if self.path != "/v1/traces":
            errs.append(f"path {self.path} is not /v1/traces")
        ctype = self.headers.get("Content-Type", "").split(";")[0]
        if ctype not in ("application/json", "application/x-protobuf"):
            errs.append("Content-Type must be application/json or application/x-protobuf")
        try:
            doc = request_pb(body) if ctype == "application/x-protobuf" else json.loads(body)
            more, spans = validate(doc)
            errs += more
            with lock:
                state.setdefault(ctype, 0)
                state[ctype] += 1
                with open(os.path.join(outdir, "types.txt"), "a") as f:
                    f.write(ctype + "\n")
        except (ValueError, IndexError) as e:
            errs.append(f"undecodable {ctype}: {e}")
            spans = []
        with lock:
            with open(os.path.join(outdir, "spans.jsonl"), "a") as f:
                for s in spans:
                    f.write(json.dumps(s) + "\n")
            if errs:
                with open(os.path.join(outdir, "errors.txt"), "a") as f:
                    f.write("\n".join(errs[:20]) + "\n")
        self.reply(400 if errs else 200)


server = ThreadingHTTPServer((bind, 0), Handler)
threading.Timer(60, server.shutdown).start()
with open(os.path.join(outdir, "port.tmp"), "w") as f:
    f.write(str(server.server_address[1]))
os.rename(os.path.join(outdir, "port.tmp"), os.path.join(outdir, "port"))
server.serve_forever()
os._exit(0)
