// Drives Debian's chromium (headless) over the DevTools protocol to check
// the web UI against its own JSON APIs, and saves a screenshot per view.
//   node --experimental-websocket ui-cdp.js OUTDIR TOKEN [LABEL=]URL#VIEW...
// For each view: load it, wait until it rendered twice (data-renders), read
// the numbers the page shows from the DOM, fetch the API before and after
// reading (live data only grows), and print one JSON line
// {"view", "ok", "detail"}. Exits 0 when it could run at all.
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const [outdir, token, ...targets] = process.argv.slice(2);
const auth = { Authorization: `Bearer ${token}` };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function launch() {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bpfscope-chromium-'));
	const proc = spawn('chromium', ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run',
		'--remote-debugging-port=0', `--user-data-dir=${dir}`, '--window-size=1280,900', 'about:blank'],
	{ stdio: ['ignore', 'ignore', 'pipe'] });
	proc.stderr.on('data', () => {});
	const file = path.join(dir, 'DevToolsActivePort');
	for (let i = 0; i < 200 && !fs.existsSync(file); i++) await sleep(50);
	await sleep(100);
	const [port, wsPath] = fs.readFileSync(file, 'utf8').trim().split('\n');
	return { proc, dir, url: `ws://127.0.0.1:${port}${wsPath}` };
}

class Cdp {
	constructor(url) {
		this.ws = new WebSocket(url);
		this.id = 0;
		this.wait = new Map();
		this.ws.onmessage = (m) => {
			const msg = JSON.parse(m.data);
			if (msg.id && this.wait.has(msg.id)) {
				this.wait.get(msg.id)(msg);
				this.wait.delete(msg.id);
			}
		};
		this.open = new Promise((r, j) => { this.ws.onopen = r; this.ws.onerror = j; });
	}
	send(method, params = {}, sessionId) {
		const id = ++this.id;
		this.ws.send(JSON.stringify({ id, method, params, sessionId }));
		return new Promise((resolve, reject) => {
			const t = setTimeout(() => reject(new Error(`${method} timed out`)), 15000);
			this.wait.set(id, (msg) => { clearTimeout(t); msg.error ? reject(new Error(msg.error.message)) : resolve(msg.result); });
		});
	}
}

async function api(base, p) {
	const r = await fetch(new URL(p, base), { headers: auth });
	return r.json();
}

function seriesKey(fam, labels) {
	return `${fam}{${Object.keys(labels).sort().map((k) => `${k}="${labels[k]}"`).join(',')}}`;
}

const within = (lo, v, hi) => v >= lo && v <= hi;

// view -> [DOM extraction expression, check(shown, before, after) -> [ok, detail]]
const checks = {
	latency: ['[...document.querySelectorAll("tr.hist-row")].map(r => ({key: r.dataset.key, count: +r.dataset.count,' +
		' cols: +(document.querySelectorAll("canvas.heat")[0]?.dataset.columns || 0)}))', '/api/metrics',
	(shown, b, a) => {
		const counts = (doc) => Object.fromEntries(doc.families.filter((f) => f.type === 'histogram')
			.flatMap((f) => f.series.map((s) => [seriesKey(f.name, s.labels), s.count])));
		const cb = counts(b), ca = counts(a);
		const bad = shown.filter((s) => !(s.key in ca) || !within(cb[s.key] ?? 0, s.count, ca[s.key]));
		const ok = shown.length > 0 && shown.length === Object.keys(ca).length && !bad.length && shown[0].cols >= 1 &&
			shown.some((s) => s.count > 0);
		return [ok, `${shown.length} series, counts ${shown.map((s) => s.count).join(',')}, heatmap columns ${shown[0]?.cols}`];
	}],
	requests: ['[...document.querySelectorAll("tr.span-row")].map(r => ({id: r.dataset.span, d: +r.dataset.durationNs}))', '/api/spans',
		(shown, b, a) => {
			const byId = Object.fromEntries([...b.spans, ...a.spans].map((s) => [s.span_id, s.duration_ns]));
			const bad = shown.filter((s) => byId[s.id] !== s.d);
			return [shown.length > 0 && !bad.length, `${shown.length} spans shown, ${bad.length} not in the API`];
		}],
	map: ['[...document.querySelectorAll("tr.edge-row")].map(r => ({from: r.dataset.from, to: r.dataset.to, calls: +r.dataset.calls,' +
		' drawn: document.querySelectorAll("g.edge").length}))', '/api/servicemap',
	(shown, b, a) => {
		const key = (e) => `${e.from} -> ${e.to}`;
		const cb = Object.fromEntries(b.edges.map((e) => [key(e), e.calls])), ca = Object.fromEntries(a.edges.map((e) => [key(e), e.calls]));
		const bad = shown.filter((e) => !(key(e) in ca) || !within(Math.min(cb[key(e)] ?? 0, ca[key(e)]), e.calls, Math.max(cb[key(e)] ?? 0, ca[key(e)])));
		return [shown.length > 0 && !bad.length && shown[0].drawn === shown.length,
			shown.map((e) => `${key(e)}: ${e.calls} calls`).join('; ')];
	}],
	flame: ['({total: +document.getElementById("flame-info").dataset.total, frames: [...document.querySelectorAll(".frame")].length,' +
		' top: [...document.querySelectorAll(".frame")].filter(f => f.dataset.path && !f.dataset.path.includes(";")).map(f => f.dataset.name)})', '/api/flame',
	(shown, b, a) => {
		const total = (d) => (d.stacks || []).reduce((n, s) => n + s.count, 0);
		const roots = new Set((a.stacks || []).map((s) => s.stack.split(';')[0]));
		const ok = shown.total > 0 && within(total(b), shown.total, total(a)) && shown.frames > 1 && shown.top.every((t) => roots.has(t));
		return [ok, `${shown.total} samples shown (API ${total(b)}..${total(a)}), ${shown.frames} frames, roots ${shown.top.join(',')}`];
	}],
	net: ['[...document.querySelectorAll("tr.net-row")].map(r => ({flow: r.dataset.flow, seg: r.dataset.segment, count: +r.dataset.count}))', '/api/net',
		(shown, b, a) => {
			const counts = (d) => Object.fromEntries((d.flows || []).flatMap((f) => Object.entries(f.segments).map(([s, v]) => [`${f.flow}|${s}`, v.count])));
			const cb = counts(b), ca = counts(a);
			const bad = shown.filter((r) => !within(cb[`${r.flow}|${r.seg}`] ?? 0, r.count, ca[`${r.flow}|${r.seg}`] ?? -1));
			return [shown.length > 0 && !bad.length, shown.map((r) => `${r.flow} ${r.seg}=${r.count}`).join('; ')];
		}],
	crashes: ['({rows: [...document.querySelectorAll("tr.crash-row")].map(r => ({id: r.dataset.id, pid: +r.dataset.pid, signal: r.dataset.signal,' +
		' complete: r.dataset.complete === "true"})), picked: document.getElementById("crash-title")?.dataset.id,' +
		' frames: [...document.querySelectorAll("tr.crash-frame")].map(f => f.dataset.symbol),' +
		' last: document.querySelector("tr.crash-event")?.dataset.fields})', '/api/crashes',
	(shown, b, a) => {
		const id = (r) => `${r.pid}/${r.tid}/${r.time}`, first = a.reports[0];
		const same = JSON.stringify(b.reports.map(id)) === JSON.stringify(a.reports.map(id)) &&
			JSON.stringify(shown.rows.map((r) => r.id)) === JSON.stringify(a.reports.map(id)) &&
			shown.rows.every((r, i) => r.pid === a.reports[i].pid && r.signal === a.reports[i].signal && r.complete === a.reports[i].unwind_complete);
		const frames = first ? first.user_stack.map((f) => f.symbol || '') : [];
		const last = first && first.events.length ? JSON.stringify(first.events[first.events.length - 1].fields) : undefined;
		const ok = shown.rows.length > 0 && same && shown.picked === id(first) &&
			JSON.stringify(shown.frames) === JSON.stringify(frames) && shown.last === last;
		return [ok, `${shown.rows.length} reports (${shown.rows.map((r) => `${r.signal} pid ${r.pid}`).join(', ')}); ` +
			`shown: ${shown.frames.filter(Boolean).join(' ')}; last event ${shown.last}`];
	}],
	loss: ['({global: [...document.querySelectorAll("tr.loss-row")].map(r => [r.dataset.counter, +r.dataset.value]),' +
		' probes: [...document.querySelectorAll("tr.probe-row td[data-counter=hits]")].map(td => [td.closest("tr").dataset.probe, +td.dataset.value])})', '/api/summary',
	(shown, b, a) => {
		const bad = shown.global.filter(([k, v]) => !(k in a) || !within(b[k] ?? 0, v, a[k]));
		return [shown.global.length >= 4 && !bad.length && shown.probes.length > 0 && shown.probes.every(([, v]) => v > 0),
			`${shown.global.map(([k, v]) => `${k}=${v}`).join(' ')}; hits ${shown.probes.map(([p, v]) => `${p}=${v}`).join(' ')}`];
	}],
};

async function checkView(cdp, sid, arg) {
	const m = /^([\w-]+)=(http.*)$/.exec(arg), label = m ? m[1] : null, target = m ? m[2] : arg;
	const view = target.split('#')[1], [expr, apiPath, check] = checks[view];
	const base = target.split('#')[0];
	await cdp.send('Page.navigate', { url: target }, sid);
	let ready = false;
	for (let i = 0; i < 150 && !ready; i++) {
		await sleep(100);
		const r = await cdp.send('Runtime.evaluate', { expression: `document.body && document.body.dataset.ready === "${view}" && +document.body.dataset.renders >= 3`, returnByValue: true }, sid);
		ready = r.result.value === true;
	}
	if (!ready) return { view, ok: false, detail: 'view never rendered' };
	// before <= shown <= after: the page must render from a fetch made
	// after "before", so wait two renders past it
	const before = await api(base, apiPath);
	const renders = async () => +(await cdp.send('Runtime.evaluate', { expression: 'document.body.dataset.renders', returnByValue: true }, sid)).result.value;
	const r0 = await renders();
	for (let i = 0; i < 60 && (await renders()) < r0 + 2; i++) await sleep(100);
	const shown = (await cdp.send('Runtime.evaluate', { expression: expr, returnByValue: true }, sid)).result.value;
	const after = await api(base, apiPath);
	const [ok, detail] = check(shown, before, after);
	const shot = await cdp.send('Page.captureScreenshot', { format: 'png' }, sid);
	fs.writeFileSync(path.join(outdir, `ui-${label || view}.png`), Buffer.from(shot.data, 'base64'));
	return { view: label || view, ok, detail };
}

(async () => {
	const { proc, dir, url } = await launch();
	try {
		const cdp = new Cdp(url);
		await cdp.open;
		const { targetId } = await cdp.send('Target.createTarget', { url: 'about:blank' });
		const { sessionId } = await cdp.send('Target.attachToTarget', { targetId, flatten: true });
		await cdp.send('Page.enable', {}, sessionId);
		await cdp.send('Emulation.setDeviceMetricsOverride', { width: 1280, height: 900, deviceScaleFactor: 1, mobile: false }, sessionId);
		for (const t of targets) {
			let res;
			try { res = await checkView(cdp, sessionId, t); } catch (e) { res = { view: t, ok: false, detail: String(e) }; }
			console.log(JSON.stringify(res));
		}
		cdp.ws.close();
	} finally {
		proc.kill('SIGKILL');
		await sleep(200);
		fs.rmSync(dir, { recursive: true, force: true });
	}
	process.exit(0);
})().catch((e) => { console.log(JSON.stringify({ view: 'driver', ok: false, detail: String(e) })); process.exit(1); });
