#!/usr/bin/env bash
# flamegraph: folded stacks to SVG; the SVG is valid XML, escapes names, and
# its embedded script searches (matched share) and zooms correctly (run in
# node against a minimal DOM made of the SVG's own elements).
source "$(dirname "$0")/lib.bash"
plan 12

cat >"$TMP/in.folded" <<'FOLDED'
app;main;parse;lex 30
app;main;parse 10
app;main;render 50

app;main;render;lex 10
FOLDED
"$BPFSCOPE" flamegraph -t 'Test <graph>' "$TMP/in.folded" >"$TMP/g.svg" 2>"$TMP/g.err"
ok $? "flamegraph FILE exits 0"
xmllint --noout "$TMP/g.svg"
ok $? "valid XML (xmllint)"
printf '%s\n' 'a;std::vector<int>::push_back&"x" 5' |
	"$BPFSCOPE" flamegraph -t 'T<1>' >"$TMP/esc.svg" 2>"$TMP/esc.err"
grep -q '<title>std::vector&lt;int&gt;::push_back&amp;&quot;x&quot; (5 samples' "$TMP/esc.svg" &&
	grep -q '>T&lt;1&gt;</text>' "$TMP/esc.svg" && xmllint --noout "$TMP/esc.svg"
ok $? "names and title are escaped (stdin input)"
grep -q '<title>lex (30 samples, 30.00%)</title>' "$TMP/g.svg"
ok $? "tooltip: count and percentage"

printf 'a;b 1\nnot folded\n' >"$TMP/bad.folded"
bad_input "a malformed line is an error" "bad.folded:2: not a folded stack" flamegraph "$TMP/bad.folded"

dom() { node "$(dirname "$0")/flamegraph-dom.js" "$TMP/g.svg" "$@"; }
if ! command -v node >/dev/null; then
	for i in 1 2 3 4 5 6 7; do echo "ok $((5 + i)) # skip node (nodejs) not installed"; done
	exit 0
fi
[ "$(dom search:lex | jq -r .matched)" = "Matched: 40.0%" ]
ok $? "search 'lex': 40% of samples (30 + 10)"
[ "$(dom 'search:^(parse|lex)$' | jq -r .matched)" = "Matched: 50.0%" ]
ok $? "search with nested matches counts them once (parse 40 + render;lex 10)"
[ "$(dom search:lex frames:lex | tail -1 | jq -r 'map(.fill) | unique | .[]')" = "rgb(230,0,230)" ]
ok $? "matches are highlighted"
zoom=$(dom click:render frames:render frames:parse frames:main frames:lex)
jq -e -s '.[0][0] | .x == 10 and .w == 1180 and .shown' <<<"$zoom" >/dev/null
ok $? "click: the frame fills the width"
jq -e -s '(.[1][0].shown | not) and .[2][0].parent and .[2][0].w == 1180' <<<"$zoom" >/dev/null
ok $? "click: siblings hidden, ancestors kept full width"
jq -e -s '.[3] | map(select(.shown)) | length == 1 and (.[0].w - 196.67 | fabs) < 0.01' <<<"$zoom" >/dev/null
ok $? "click: children scaled (lex under render: 10/60 of the width)"
jq -e -s '.[0][0] | (.x - 482 | fabs) < 0.01 and (.w - 708 | fabs) < 0.01' \
	<<<"$(dom click:render reset frames:render)" >/dev/null
ok $? "reset zoom restores the layout"
done_testing
