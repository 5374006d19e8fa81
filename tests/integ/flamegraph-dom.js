// Runs the script embedded in a flame graph SVG against a minimal DOM built
// from the SVG's own elements, then performs steps given on the command
// line and prints one JSON line per step:
//   search:REGEX   -> {"matched": "<text of #matched>"}
//   click:NAME     -> clicks the first frame named NAME (zoom)
//   frames:NAME    -> [{"x":..,"w":..,"shown":..,"parent":..,"label":..}] of frames named NAME
//   reset          -> clicks "Reset Zoom"
'use strict';
const fs = require('fs');
const vm = require('vm');

const svg = fs.readFileSync(process.argv[2], 'utf8');
const unescape = (s) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"')
	.replace(/&apos;/g, "'").replace(/&amp;/g, '&');
const attrsOf = (s) => {
	const a = {};
	for (const m of s.matchAll(/([\w-]+)="([^"]*)"/g)) a[m[1]] = unescape(m[2]);
	return a;
};

class El {
	constructor(attrs) {
		const cls = new Set((attrs.class || '').split(' ').filter(Boolean));
		this.attrs = attrs;
		this.style = {};
		this.kids = {};
		this.textContent = '';
		this.listeners = {};
		this.classList = { add: (c) => cls.add(c), remove: (c) => cls.delete(c), has: (c) => cls.has(c) };
	}
	getAttribute(n) { return n in this.attrs ? this.attrs[n] : null; }
	setAttribute(n, v) { this.attrs[n] = String(v); }
	hasAttribute(n) { return n in this.attrs; }
	removeAttribute(n) { delete this.attrs[n]; }
	querySelector(sel) { return this.kids[sel]; }
	addEventListener(type, fn) { this.listeners[type] = fn; }
}

const frames = [];
const frameRe = /<g class="f"([^>]*)>\n<title>([^<]*)<\/title><rect([^>]*)\/><text([^>]*)>([^<]*)<\/text>/g;
for (const m of svg.matchAll(frameRe)) {
	const g = new El(attrsOf(m[1]));
	g.kids.title = new El({});
	g.kids.title.textContent = unescape(m[2]);
	g.kids.rect = new El(attrsOf(m[3]));
	g.kids.text = new El(attrsOf(m[4]));
	g.kids.text.textContent = unescape(m[5]);
	frames.push(g);
}
const byId = {};
for (const m of svg.matchAll(/<text id="(\w+)"([^>]*)>/g)) byId[m[1]] = new El(attrsOf(m[2]));
const root = new El(attrsOf(svg.match(/<svg([^>]*)>/)[1]));
let answer = null;
const sandbox = {
	document: {
		documentElement: root,
		querySelectorAll: () => frames,
		getElementById: (id) => byId[id],
		addEventListener() {},
	},
	prompt: () => answer,
};
vm.createContext(sandbox);
vm.runInContext(svg.match(/<!\[CDATA\[([\s\S]*?)\]\]>/)[1] + '\ninit();', sandbox);

const named = (n) => frames.filter((g) => g.getAttribute('data-n') === n);
for (const step of process.argv.slice(3)) {
	const [op, arg] = [step.split(':')[0], step.slice(step.indexOf(':') + 1)];
	if (op === 'search') {
		answer = arg;
		byId.search.listeners.click();
		console.log(JSON.stringify({ matched: byId.matched.textContent }));
	} else if (op === 'click') {
		named(arg)[0].listeners.click();
	} else if (op === 'reset') {
		byId.reset.listeners.click();
	} else if (op === 'frames') {
		console.log(JSON.stringify(named(arg).map((g) => ({
			x: parseFloat(g.kids.rect.getAttribute('x')),
			w: parseFloat(g.kids.rect.getAttribute('width')),
			shown: g.style.display !== 'none',
			parent: g.classList.has('parent'),
			fill: g.kids.rect.getAttribute('fill'),
			label: g.kids.text.textContent,
		}))));
	}
}
