// bpfscope web UI: plain JavaScript, no build step, no network but this
// server. Each view polls its JSON API once a second and renders it; the
// rendered numbers carry data-* attributes so tests can compare them with
// the API (tests/integ/ui.sh). After each render, document.body gets
// data-ready=<view> and data-renders=<n>.
'use strict';

const params = new URLSearchParams(location.search);
const token = params.get('token');
const refreshMs = Math.max(200, +params.get('refresh') || 1000); // ?refresh=MS
const $ = (id) => document.getElementById(id);
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
let renders = 0;

async function api(path) {
	const url = token ? `${path}${path.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}` : path;
	const r = await fetch(url, { cache: 'no-store', headers: token ? { Authorization: `Bearer ${token}` } : {} });
	if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
	return r.json();
}

function seriesKey(fam, labels) {
	const parts = Object.keys(labels).sort().map((k) => `${k}="${labels[k]}"`);
	return `${fam}{${parts.join(',')}}`;
}

function fmtSeconds(s) {
	if (!isFinite(s)) return '>max';
	if (s >= 1) return `${s.toFixed(2)} s`;
	if (s >= 1e-3) return `${(s * 1e3).toFixed(2)} ms`;
	if (s >= 1e-6) return `${(s * 1e6).toFixed(1)} µs`;
	return `${(s * 1e9).toFixed(0)} ns`;
}

// Percentile from log2 buckets: slot k holds [le/2, le), interpolated inside.
function percentile(buckets, count, p) {
	if (!count) return 0;
	const want = count * p / 100;
	let cum = 0;
	for (const b of buckets) {
		if (cum + b.count >= want) {
			const lo = b.slot === 0 ? 0 : b.le / 2;
			const hi = isFinite(b.le) ? b.le : lo * 2;
			return lo + (hi - lo) * ((want - cum) / b.count);
		}
		cum += b.count;
	}
	return buckets.length ? buckets[buckets.length - 1].le : 0;
}

// ---- latency: table, bar chart and heatmap per histogram series ----
const heat = {}; // key -> {last: {slot: count}, cols: [[count per slot]]}

function heatUpdate(key, series) {
	const h = heat[key] || (heat[key] = { last: null, cols: [] });
	const now = {};
	for (const b of series.buckets) now[b.slot] = b.count;
	if (h.last) {
		const col = new Array(64).fill(0);
		for (const s in now) col[s] = Math.max(0, now[s] - (h.last[s] || 0));
		h.cols.push(col);
		if (h.cols.length > 60) h.cols.shift();
	}
	h.last = now;
	return h;
}

function drawHeat(canvas, h) {
	const ctx = canvas.getContext('2d');
	let lo = 63, hi = 0, max = 1;
	for (const col of h.cols) col.forEach((v, s) => { if (v) { lo = Math.min(lo, s); hi = Math.max(hi, s); max = Math.max(max, v); } });
	ctx.fillStyle = '#fff';
	ctx.fillRect(0, 0, canvas.width, canvas.height);
	if (hi < lo) return;
	const rows = hi - lo + 1, cw = canvas.width / 60, rh = canvas.height / rows;
	h.cols.forEach((col, x) => {
		for (let s = lo; s <= hi; s++) {
			if (!col[s]) continue;
			const a = Math.log1p(col[s]) / Math.log1p(max);
			ctx.fillStyle = `rgba(214, 69, 65, ${0.15 + 0.85 * a})`;
			ctx.fillRect(x * cw, canvas.height - (s - lo + 1) * rh, cw, rh);
		}
	});
	canvas.dataset.columns = h.cols.length;
}

// Non-empty buckets plus the empty ones between them and one on each side,
// so the bars read as a distribution.
function contiguous(buckets) {
	if (!buckets.length) return [];
	const by = Object.fromEntries(buckets.map((b) => [b.slot, b]));
	const lo = Math.max(0, buckets[0].slot - 1), hi = Math.min(63, buckets[buckets.length - 1].slot + 1);
	const scale = buckets[0].slot ? buckets[0].le / 2 ** buckets[0].slot : 1e-9;
	const out = [];
	for (let k = lo; k <= hi; k++) out.push(by[k] || { slot: k, le: k === 63 ? Infinity : scale * 2 ** k, count: 0 });
	return out;
}

async function renderLatency() {
	const doc = await api('/api/metrics');
	const rows = [], charts = [];
	for (const fam of doc.families.filter((f) => f.type === 'histogram')) {
		for (const s of fam.series) {
			const key = seriesKey(fam.name, s.labels);
			const p50 = percentile(s.buckets, s.count, 50), p99 = percentile(s.buckets, s.count, 99);
			rows.push(`<tr class="hist-row" data-key="${esc(key)}" data-count="${s.count}"><td>${esc(key)}</td>` +
				`<td class="num count">${s.count}</td><td class="num">${fmtSeconds(p50)}</td>` +
				`<td class="num">${fmtSeconds(p99)}</td><td class="num">${fmtSeconds(s.count ? s.sum / s.count : 0)}</td></tr>`);
			const max = Math.max(1, ...s.buckets.map((b) => b.count));
			const bars = contiguous(s.buckets).map((b) => `<div class="bar" title="≤ ${fmtSeconds(b.le)}: ${b.count}" ` +
				`style="height:${Math.max(1, 110 * b.count / max)}px" data-count="${b.count}"><span>${fmtSeconds(b.le)}</span></div>`).join('');
			charts.push({ key, html: `<div class="chart"><h3 title="${esc(key)}">${esc(key)}</h3><div class="bars">${bars}</div>` +
				`<canvas class="heat" width="480" height="120"></canvas></div>`, h: heatUpdate(key, s) });
		}
	}
	$('latency-rows').innerHTML = rows.join('') || '<tr><td colspan="5">no histograms yet</td></tr>';
	$('latency-charts').innerHTML = charts.map((c) => c.html).join('');
	document.querySelectorAll('#latency-charts canvas.heat').forEach((cv, i) => drawHeat(cv, charts[i].h));
}

// ---- requests: spans grouped by trace, children indented ----
async function renderRequests() {
	const doc = await api('/api/spans');
	const byId = {}, depth = (s) => { let d = 0; for (let p = byId[s.parent_span_id]; p && d < 3; p = byId[p.parent_span_id]) d++; return d; };
	for (const s of doc.spans) byId[s.span_id] = s;
	const traces = new Map();
	for (const s of doc.spans) (traces.get(s.trace_id) || traces.set(s.trace_id, []).get(s.trace_id)).push(s);
	const rows = [];
	for (const [trace, spans] of traces) {
		spans.sort((a, b) => a.start_unix_ns - b.start_unix_ns || b.duration_ns - a.duration_ns);
		for (const s of spans) {
			const a = s.attributes || {}, peer = a['server.address'] ? `${a['server.address']}:${a['server.port'] || ''}` : '';
			const t = new Date(s.start_unix_ns / 1e6).toISOString().slice(11, 23);
			rows.push(`<tr class="span-row" data-span="${s.span_id}" data-duration-ns="${s.duration_ns}">` +
				`<td>${t}</td><td class="indent${depth(s)}">${esc(s.name)}</td><td class="num">${(s.duration_ns / 1e3).toFixed(1)} µs</td>` +
				`<td>${esc(s.comm)}/${s.pid}</td><td>${esc(peer)}</td><td><code>${trace.slice(0, 12)}…</code></td></tr>`);
		}
	}
	$('request-rows').innerHTML = rows.join('') || '<tr><td colspan="6">no spans yet (run a command with r: probes, or spans)</td></tr>';
}

// ---- service map: callers left, callees right ----
async function renderMap() {
	const doc = await api('/api/servicemap');
	const from = [...new Set(doc.edges.map((e) => e.from))], to = [...new Set(doc.edges.map((e) => e.to))];
	const y = (list, n) => 40 + list.indexOf(n) * 50;
	const rate = (e) => e.calls / Math.max(1, (e.last_ns - e.first_ns) / 1e9);
	const svg = ['<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto"><path d="M0,0L10,5L0,10z" fill="#888"/></marker></defs>'];
	for (const e of doc.edges) {
		const y1 = y(from, e.from) + 12, y2 = y(to, e.to) + 12;
		svg.push(`<g class="edge" data-from="${esc(e.from)}" data-to="${esc(e.to)}" data-calls="${e.calls}"><line x1="200" y1="${y1}" x2="600" y2="${y2}"/>` +
			`<text x="400" y="${(y1 + y2) / 2 - 4}" text-anchor="middle">${e.calls} calls, ${rate(e).toFixed(1)}/s, ${(e.total_ns / e.calls / 1e3).toFixed(1)} µs</text></g>`);
	}
	from.forEach((n) => svg.push(`<g class="node"><rect x="40" y="${y(from, n)}" width="160" height="24" rx="4"/><text x="48" y="${y(from, n) + 16}">${esc(n)}</text></g>`));
	to.forEach((n) => svg.push(`<g class="node"><rect x="600" y="${y(to, n)}" width="260" height="24" rx="4"/><text x="608" y="${y(to, n) + 16}">${esc(n)}</text></g>`));
	$('map-svg').setAttribute('height', Math.max(120, 60 + 50 * Math.max(from.length, to.length)));
	$('map-svg').innerHTML = svg.join('');
	$('map-rows').innerHTML = doc.edges.map((e) => `<tr class="edge-row" data-from="${esc(e.from)}" data-to="${esc(e.to)}" data-calls="${e.calls}">` +
		`<td>${esc(e.from)}</td><td>${esc(e.to)}</td><td class="num">${e.calls}</td><td class="num">${rate(e).toFixed(1)}</td>` +
		`<td class="num">${(e.total_ns / e.calls / 1e3).toFixed(1)} µs</td></tr>`).join('') ||
		'<tr><td colspan="5">no calls yet</td></tr>';
}

// ---- flame graph from folded stacks ----
let flameZoom = [];

function flameTree(stacks) {
	const root = { name: 'all', count: 0, kids: new Map() };
	for (const s of stacks) {
		root.count += s.count;
		let n = root;
		for (const f of s.stack.split(';')) {
			if (!n.kids.has(f)) n.kids.set(f, { name: f, count: 0, kids: new Map() });
			n = n.kids.get(f);
			n.count += s.count;
		}
	}
	return root;
}

function flameColor(name) {
	let h = 0;
	for (const c of name) h = (h * 31 + c.charCodeAt(0)) >>> 0;
	return `hsl(${10 + h % 45}, 85%, ${55 + h % 20}%)`;
}

async function renderFlame() {
	const doc = await api('/api/flame');
	const stacks = doc.stacks || [];
	let root = flameTree(stacks);
	for (const name of flameZoom) root = root.kids.get(name) || root;
	const width = $('flame').clientWidth || 1000, out = [];
	let maxDepth = 0;
	const walk = (n, x, depth, path) => {
		const w = width * n.count / Math.max(1, root.count);
		if (w < 1) return;
		maxDepth = Math.max(maxDepth, depth);
		out.push({ n, x, depth, w, path });
		let cx = x;
		for (const k of [...n.kids.values()].sort((a, b) => a.name.localeCompare(b.name))) {
			walk(k, cx, depth + 1, [...path, k.name]);
			cx += width * k.count / Math.max(1, root.count);
		}
	};
	walk(root, 0, 0, flameZoom);
	const h = 18 * (maxDepth + 1);
	$('flame').style.height = `${h}px`;
	$('flame').innerHTML = out.map((f) => `<div class="frame" data-name="${esc(f.n.name)}" data-count="${f.n.count}" data-path="${esc(f.path.join(';'))}" ` +
		`title="${esc(f.n.name)}: ${f.n.count} (${(100 * f.n.count / Math.max(1, root.count)).toFixed(1)}%)" ` +
		`style="left:${f.x}px;width:${f.w}px;bottom:${f.depth * 18}px;background:${flameColor(f.n.name)}">${esc(f.n.name)}</div>`).join('');
	$('flame-info').textContent = stacks.length ? `${root.count} ${doc.unit || 'samples'} in ${stacks.length} stacks` : 'no stacks yet (run profile --serve)';
	$('flame-info').dataset.total = root.count;
}

$('flame').addEventListener('click', (ev) => {
	const f = ev.target.closest('.frame');
	if (!f) return;
	flameZoom = f.dataset.path ? f.dataset.path.split(';') : [];
	renderFlame();
});

// ---- network breakdown with a p50 trend per flow and segment ----
const netTrend = {};

async function renderNet() {
	const doc = await api('/api/net');
	const rows = [];
	for (const f of doc.flows || []) {
		for (const [seg, v] of Object.entries(f.segments || {})) {
			const key = `${f.flow}|${seg}`, t = netTrend[key] || (netTrend[key] = []);
			t.push(v.p50_us);
			if (t.length > 30) t.shift();
			const max = Math.max(...t, 1e-9);
			const pts = t.map((p, i) => `${i * 4},${20 - 18 * p / max}`).join(' ');
			rows.push(`<tr class="net-row" data-flow="${esc(f.flow)}" data-segment="${seg}" data-count="${v.count}">` +
				`<td>${esc(f.flow)}</td><td>${seg}</td><td class="num">${v.count}</td><td class="num">${v.p50_us.toFixed(1)}</td>` +
				`<td class="num">${v.p99_us.toFixed(1)}</td><td class="num">${v.mean_us.toFixed(1)}</td>` +
				`<td><svg width="120" height="22"><polyline points="${pts}" fill="none" stroke="#4a90d9"/></svg></td></tr>`);
		}
	}
	$('net-rows').innerHTML = rows.join('') || '<tr><td colspan="7">no network records yet (run net --serve)</td></tr>';
}

// ---- crash reports: the list, and one report's stack and last events ----
let crashPick = null; // "pid/tid/time" of the report shown below the list

const crashId = (r) => `${r.pid}/${r.tid}/${r.time}`;
const frameName = (f) => f.symbol ? `${f.symbol}+${f.offset}` : f.pc;
const fieldsText = (fields) => Object.entries(fields || {}).map(([k, v]) => `${k}=${typeof v === 'string' ? JSON.stringify(v) : v}`).join(' ');

function crashDetail(r) {
	const frames = (r.user_stack || []).map((f, i) => `<tr class="crash-frame" data-symbol="${esc(f.symbol || '')}"><td class="num">#${i}</td>` +
		`<td><code>${esc(f.pc)}</code></td><td>${esc(frameName(f))}</td><td>${esc(f.module || '')}</td></tr>`).join('');
	const events = (r.events || []).slice(-20).reverse().map((e) => `<tr class="crash-event" data-fields="${esc(JSON.stringify(e.fields || {}))}">` +
		`<td>${esc(e.time.slice(11))}</td><td class="num">${e.tid}</td><td>${esc(e.probe)}</td><td><code>${esc(fieldsText(e.fields))}</code></td></tr>`).join('');
	return `<h3 id="crash-title" data-id="${esc(crashId(r))}">${esc(r.comm)}/${r.pid} (tid ${r.tid}): ${esc(r.signal)} ${esc(r.code)}` +
		`${r.fault_address ? ` at ${esc(r.fault_address)}` : ''}</h3>` +
		`<p class="hint">stack ${r.unwind_complete ? 'complete' : `incomplete${r.unwind_stopped ? `: ${esc(r.unwind_stopped)}` : ''}`}` +
		`, ${r.events_recorded} events recorded by the thread, last ${(r.events || []).length} kept${r.notes ? `; ${esc(r.notes)}` : ''}</p>` +
		`<div class="crash-cols"><table class="data"><thead><tr><th></th><th>pc</th><th>function</th><th>module</th></tr></thead><tbody>${frames}</tbody></table>` +
		`<table class="data"><caption>last events, newest first</caption><thead><tr><th>time</th><th>tid</th><th>probe</th><th>fields</th></tr></thead>` +
		`<tbody>${events || '<tr><td colspan="4">no events (no probes given)</td></tr>'}</tbody></table></div>`;
}

async function renderCrashes() {
	const doc = await api('/api/crashes');
	const reports = doc.reports || [];
	if (!reports.some((r) => crashId(r) === crashPick)) crashPick = reports.length ? crashId(reports[0]) : null;
	$('crash-info').textContent = `${doc.caught ?? 0} caught, ${doc.suppressed ?? 0} not reported (more than ${doc.max_per_minute} per minute); ` +
		`the last ${doc.kept_at_most ?? ''} are kept`;
	$('crash-info').dataset.caught = doc.caught ?? 0;
	$('crash-rows').innerHTML = reports.map((r) => `<tr class="crash-row${crashId(r) === crashPick ? ' picked' : ''}" data-id="${esc(crashId(r))}" ` +
		`data-pid="${r.pid}" data-signal="${esc(r.signal)}" data-complete="${r.unwind_complete}">` +
		`<td>${esc(r.time)}</td><td>${esc(r.comm)}/${r.pid}</td><td class="num">${r.tid}</td><td>${esc(r.signal)}</td>` +
		`<td>${esc(r.code)}</td><td><code>${esc(r.fault_address || '')}</code></td><td>${r.unwind_complete ? 'complete' : 'incomplete'}</td>` +
		`<td>${esc(r.user_stack && r.user_stack[0] ? frameName(r.user_stack[0]) : '')}</td></tr>`).join('') ||
		'<tr><td colspan="8">no crashes caught yet</td></tr>';
	const picked = reports.find((r) => crashId(r) === crashPick);
	$('crash-detail').innerHTML = picked ? crashDetail(picked) : '';
}

$('crash-rows').addEventListener('click', (ev) => {
	const row = ev.target.closest('.crash-row');
	if (!row) return;
	crashPick = row.dataset.id;
	renderCrashes();
});

// ---- drops and misses ----
const PROBE_COUNTERS = ['hits', 'emitted', 'filtered', 'dropped', 'stale', 'unpaired', 'read_errors'];

async function renderLoss() {
	const [sum, m] = await Promise.all([api('/api/summary'), api('/api/metrics')]);
	$('loss-global').innerHTML = Object.entries(sum).map(([k, v]) =>
		`<tr class="loss-row" data-counter="${k}" data-value="${v}"><td>${k}</td><td class="num ${v && /drop|miss|error/.test(k) ? 'loss-bad' : ''}">${v}</td></tr>`).join('');
	const probes = {};
	for (const fam of m.families) {
		const c = PROBE_COUNTERS.find((n) => fam.name === `bpfscope_probe_${n}_total`);
		if (!c) continue;
		for (const s of fam.series) (probes[s.labels.probe] || (probes[s.labels.probe] = {}))[c] = s.value;
	}
	$('loss-probes').innerHTML = Object.entries(probes).map(([p, v]) => `<tr class="probe-row" data-probe="${esc(p)}">` +
		`<td>${esc(p)}</td>${PROBE_COUNTERS.map((c) => `<td class="num ${c !== 'hits' && c !== 'emitted' && v[c] ? 'loss-bad' : ''}" data-counter="${c}" data-value="${v[c] ?? 0}">${v[c] ?? 0}</td>`).join('')}</tr>`).join('') ||
		'<tr><td colspan="8">no probes</td></tr>';
}

const views = { latency: renderLatency, requests: renderRequests, map: renderMap, flame: renderFlame, net: renderNet, crashes: renderCrashes, loss: renderLoss };
let timer = null;

async function show() {
	const view = views[location.hash.slice(1)] ? location.hash.slice(1) : 'latency';
	document.querySelectorAll('.view').forEach((v) => v.classList.toggle('active', v.id === `view-${view}`));
	document.querySelectorAll('nav a').forEach((a) => a.classList.toggle('active', a.dataset.view === view));
	clearTimeout(timer);
	try {
		await views[view]();
		$('status').textContent = `updated ${new Date().toLocaleTimeString()}`;
		document.body.dataset.ready = view;
		document.body.dataset.renders = ++renders;
	} catch (e) {
		$('status').textContent = String(e);
	}
	timer = setTimeout(show, refreshMs);
}

window.addEventListener('hashchange', () => { renders = 0; delete document.body.dataset.ready; show(); });
show();
