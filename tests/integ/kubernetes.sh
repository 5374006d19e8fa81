#!/usr/bin/env bash
# deploy/: no cluster here, so the DaemonSet manifest is checked for the
# structure the agent needs (parsed with python3's yaml), its command line
# against bpfscope's own option parser, and kubectl-bpfscope is run against a
# fake kubectl that answers the two lookups and records the exec.
source "$(dirname "$0")/lib.bash"
plan 9

D="$(dirname "$0")/../../deploy"
PY=python3
/usr/bin/python3 -c 'import yaml' 2>/dev/null && PY=/usr/bin/python3

$PY - "$D/kubernetes/daemonset.yaml" >"$TMP/manifest.out" 2>&1 <<'PYEOF'
import sys, yaml
docs = list(yaml.safe_load_all(open(sys.argv[1])))
kinds = [d["kind"] for d in docs]
ds = next(d for d in docs if d["kind"] == "DaemonSet")
spec = ds["spec"]["template"]["spec"]
c = spec["containers"][0]
mounts = {m["mountPath"]: m for m in c["volumeMounts"]}
vols = {v["name"]: v for v in spec["volumes"]}
env = {e["name"]: e for e in c["env"]}
checks = {
    "namespace, service account and daemonset": kinds == ["Namespace", "ServiceAccount", "DaemonSet"]
        and ds["apiVersion"] == "apps/v1",
    "selector matches the pod labels": ds["spec"]["selector"]["matchLabels"].items()
        <= ds["spec"]["template"]["metadata"]["labels"].items(),
    "privileged, hostPID": c["securityContext"]["privileged"] is True and spec["hostPID"] is True,
    "host /sys, /sys/fs/cgroup, /proc, /var/log/pods mounted": all(
        vols[m["name"]].get("hostPath", {}).get("path") == p for p, m in mounts.items()
        if p in ("/sys", "/sys/fs/cgroup", "/var/log/pods")) and
        vols[mounts["/host/proc"]["name"]]["hostPath"]["path"] == "/proc" and
        {"/sys", "/sys/fs/cgroup", "/var/log/pods", "/host/proc"} <= set(mounts),
    "every mount has a volume": all(m["name"] in vols for m in c["volumeMounts"]),
    "node-local OTLP endpoint from the node IP": env["NODE_IP"]["valueFrom"]["fieldRef"]["fieldPath"] == "status.hostIP"
        and env["BPFSCOPE_OTLP"]["value"] == "http://$(NODE_IP):4318/v1/traces",
    "metrics port and scrape annotations agree": c["ports"][0]["containerPort"] == 9464
        and ds["spec"]["template"]["metadata"]["annotations"]["prometheus.io/port"] == "9464"
        and "$(POD_IP):9464" in c["args"],
    "runs on every node (tolerates all taints)": {"operator": "Exists"} in spec["tolerations"],
}
for name, good in checks.items():
    print(("PASS " if good else "FAIL ") + name)
print("ARGS " + " ".join(c["args"]))
PYEOF
fails=$(grep -c '^FAIL' "$TMP/manifest.out")
[ "$(grep -c '^PASS' "$TMP/manifest.out")" -eq 8 ] && [ "$fails" -eq 0 ]
ok $? "daemonset.yaml: $(grep -c '^PASS' "$TMP/manifest.out")/8 structural checks" || show "$TMP/manifest.out"

# the agent's command line is accepted by bpfscope's parser (-h stops after parsing)
read -r -a args <<<"$(sed -n 's/^ARGS //p' "$TMP/manifest.out" | sed 's/\$(POD_IP)/127.0.0.1/')"
echo tok >"$TMP/token"
args=("${args[@]/\/etc\/bpfscope\/token\/token/$TMP/token}")
"$BPFSCOPE" "${args[@]}" --help >"$TMP/args.out" 2>&1
ok $? "bpfscope accepts the DaemonSet's arguments: ${args[*]}" || show "$TMP/args.out"

# a fake kubectl: answers the node and agent lookups, records everything
mkdir -p "$TMP/bin"
cat >"$TMP/bin/kubectl" <<FAKE
#!/usr/bin/env bash
echo "\$*" >>"$TMP/kubectl.log"
case "\$*" in
"get pod web-1 -n shop -o jsonpath={.spec.nodeName}") echo -n node-a ;;
"get pod pending-1 -n shop -o jsonpath={.spec.nodeName}") echo -n "" ;;
"get pods -n bpfscope -l app.kubernetes.io/name=bpfscope --field-selector spec.nodeName=node-a -o jsonpath={.items[0].metadata.name}") echo -n bpfscope-x7k2p ;;
"get pod"*) echo "Error from server (NotFound)" >&2; exit 1 ;;
exec*) echo "EXEC \$*" ;;
*) exit 1 ;;
esac
FAKE
chmod +x "$TMP/bin/kubectl"
plugin() { PATH="$TMP/bin:$PATH" "$D/kubectl-bpfscope" "$@" </dev/null; }

out=$(plugin -n shop web-1 -- execsnoop -d 5)
[ "$out" = "EXEC exec -n bpfscope bpfscope-x7k2p -- bpfscope execsnoop --pod web-1 --namespace shop -d 5" ]
ok $? "runs the command in the agent of the pod's node with the pod filter: $out"
out=$(plugin --namespace=shop --export web-1 -- trace 'r:/srv/app:handle')
[ "$out" = "EXEC exec -n bpfscope bpfscope-x7k2p -- sh -c exec \"\$@\" --otlp \"\$BPFSCOPE_OTLP\" bpfscope bpfscope trace --pod web-1 --namespace shop r:/srv/app:handle" ]
ok $? "--export adds the agent's node-local OTLP endpoint: $out"
out=$(plugin -n shop --no-filter --dry-run web-1 -- net -i eth0)
[ "$out" = "kubectl exec -n bpfscope bpfscope-x7k2p -- bpfscope net -i eth0 " ]
ok $? "--no-filter --dry-run prints the exec without --pod: $out"

# bad input: one clear line, non-zero
for case in "no such pod|-n shop ghost -- execsnoop|pod shop/ghost not found" \
	"unscheduled pod|-n shop pending-1 -- execsnoop|not scheduled on a node" \
	"no command|-n shop web-1|no bpfscope command" \
	"unknown option|--frobnicate web-1 -- execsnoop|unknown option"; do
	IFS='|' read -r what argv pat <<<"$case"
	read -r -a a <<<"$argv"
	plugin "${a[@]}" >"$TMP/p.out" 2>"$TMP/p.err"
	rc=$?
	[ $rc -ne 0 ] && [ "$(wc -l <"$TMP/p.err")" -eq 1 ] && grep -q "$pat" "$TMP/p.err"
	ok $? "$what: one error line, exit $rc ($(cat "$TMP/p.err"))"
done
done_testing
