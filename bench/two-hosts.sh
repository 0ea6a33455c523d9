#!/usr/bin/env bash
# Two hosts, simulated (not a test): a trainer worker in its own network namespace reaches the
# broker and S3 only by a non-loopback address, as a second machine would.
#   host namespace:  kdml up --host 10.203.0.1 --workers 0   (broker, S3, orchestrator, evaluator, ...)
#   netns kdml-h2:   kdml worker --bootstrap 10.203.0.1:PORT --s3 http://10.203.0.1:PORT
# joined by a veth pair (kdml-h2a 10.203.0.1/24 here, kdml-h2b 10.203.0.2/24 there). Checks from
# inside the namespace that 127.0.0.1 does not reach the broker, submits a 2-run spec, waits until
# both runs are evaluated, prints which worker trained each run and the wall time, then removes
# everything (processes, namespace, veth pair, data folder) on exit.
# Needs root (ip netns). Usage: sudo bench/two-hosts.sh [TIMEOUT_SECONDS]   (default 900)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
timeout_s="${1:-900}"
ns=kdml-h2
host_if=kdml-h2a
ns_if=kdml-h2b
host_ip=10.203.0.1
ns_ip=10.203.0.2
name=two-hosts
kafka_port="${KAFKA_PORT:-19092}"
s3_port="${S3_PORT:-19000}"
status_port="${STATUS_PORT:-18081}"
dashboard_port="${DASHBOARD_PORT:-18080}"

say() { echo "two-hosts: $*"; }
die() { echo "two-hosts: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root: it creates a network namespace ($ns) and a veth pair (sudo $0)"
ip netns list > /dev/null 2>&1 || die "'ip netns' does not work here (iproute2 with network namespaces needed)"
command -v python3 > /dev/null || die "python3 is needed to read kdml status --json"
if ip netns list | grep -qw "$ns" || ip link show "$host_if" > /dev/null 2>&1; then
  die "namespace $ns or link $host_if exists already (another run?); remove with: ip netns del $ns; ip link del $host_if"
fi

data="$(mktemp -d -t kdml-two-hosts-XXXX)"
up=""
worker=""
cleanup() {
  set +e
  [ -n "$worker" ] && kill "$worker" 2> /dev/null && wait "$worker" 2> /dev/null
  [ -n "$up" ] && kill "$up" 2> /dev/null && wait "$up" 2> /dev/null
  ip netns del "$ns" 2> /dev/null
  ip link del "$host_if" 2> /dev/null
  rm -rf "$data"
  say "removed namespace $ns, link $host_if and $data"
}
trap cleanup EXIT

# Build once (the launcher rebuilds when sources are newer than the jar) before anything runs.
"$here/kdml" --help > /dev/null

ip netns add "$ns"
ip link add "$host_if" type veth peer name "$ns_if"
ip link set "$ns_if" netns "$ns"
ip addr add "$host_ip/24" dev "$host_if"
ip link set "$host_if" up
ip -n "$ns" addr add "$ns_ip/24" dev "$ns_if"
ip -n "$ns" link set "$ns_if" up
ip -n "$ns" link set lo up
say "namespace $ns: $ns_if $ns_ip/24 <-> $host_if $host_ip/24 (host namespace)"

t0=$(date +%s.%N)
"$here/kdml" up --host "$host_ip" --workers 0 --data "$data/stack" --kafka-port "$kafka_port" --s3-port "$s3_port" \
  --status-port "$status_port" --dashboard-port "$dashboard_port" > "$data/up.log" 2>&1 &
up=$!
deadline=$(( $(date +%s) + 180 ))
until grep -q "Ctrl-C stops" "$data/up.log" 2> /dev/null; do
  kill -0 "$up" 2> /dev/null || { cat "$data/up.log" >&2; die "kdml up exited"; }
  [ "$(date +%s)" -lt "$deadline" ] || { cat "$data/up.log" >&2; die "kdml up did not start within 180 s"; }
  sleep 1
done
grep "Ctrl-C stops" "$data/up.log"
kafka=$(sed -n 's/.*Kafka \([^ ,]*\), S3.*/\1/p' "$data/up.log")
s3=$(sed -n 's/.*S3 \(http:[^ ]*\) (bucket.*/\1/p' "$data/up.log")
status=$(sed -n 's/.*status \(http:[^ ]*\)\/experiments.*/\1/p' "$data/up.log")
[ "${kafka%:*}" = "$host_ip" ] || die "kdml up advertises Kafka at $kafka, not $host_ip"
[ "$s3" = "http://$host_ip:${s3##*:}" ] || die "kdml up serves S3 at $s3, not on $host_ip"

# From inside the namespace: loopback must not reach the broker; the veth address must.
if ip netns exec "$ns" timeout 3 bash -c "exec 3<> /dev/tcp/127.0.0.1/${kafka##*:}" 2> /dev/null; then
  die "127.0.0.1:${kafka##*:} reaches something from inside $ns; the check would prove nothing"
fi
say "from $ns: 127.0.0.1:${kafka##*:} refused (no broker on the namespace's loopback)"
ip netns exec "$ns" timeout 3 bash -c "exec 3<> /dev/tcp/${kafka%:*}/${kafka##*:}" \
  || die "from $ns: $kafka does not answer"
ip netns exec "$ns" timeout 3 bash -c "exec 3<> /dev/tcp/$host_ip/${s3##*:}" || die "from $ns: $s3 does not answer"
say "from $ns: Kafka $kafka and S3 $s3 answer"

worker_id="worker-$ns"
ip netns exec "$ns" "$here/kdml" worker --bootstrap "$kafka" --s3 "$s3" --work "$data/worker" --id "$worker_id" \
  > "$data/worker.log" 2>&1 &
worker=$!
deadline=$(( $(date +%s) + 120 ))
until grep -q "Ctrl-C stops" "$data/worker.log" 2> /dev/null; do
  kill -0 "$worker" 2> /dev/null || { cat "$data/worker.log" >&2; die "the worker in $ns exited"; }
  [ "$(date +%s)" -lt "$deadline" ] || { cat "$data/worker.log" >&2; die "the worker did not start within 120 s"; }
  sleep 1
done
say "$(head -n 1 "$data/worker.log")"

cat > "$data/spec.yaml" <<EOF
name: $name
dataset: {kind: synthetic-patches, imageSize: 32, samples: 160}
teacher: resnet50-tiny
students: [resnet18-tiny, resnet18-tiny]
modes: [kd-ml]
versions: [v3]
seeds: [1, 2]
training: {epochs: 2, teacherEpochs: 1, batchSize: 32, learningRate: 0.002}
EOF
submitted=$(date +%s.%N)
"$here/kdml" submit "$data/spec.yaml" --bootstrap "$kafka"

deadline=$(( $(date +%s) + timeout_s ))
while true; do
  state=$("$here/kdml" status "$name" --orchestrator "$status" --json 2> /dev/null \
    | python3 -c "import json,sys; s=json.load(sys.stdin); c=s['counts']; print(s['total'], c['evaluated'], c['failed'])" \
    2> /dev/null || echo "0 0 0")
  read -r total evaluated failed <<< "$state"
  [ "$failed" -eq 0 ] || { cat "$data/worker.log" >&2; die "$failed run(s) failed"; }
  [ "$total" -gt 0 ] && [ "$evaluated" -eq "$total" ] && break
  kill -0 "$worker" 2> /dev/null || { cat "$data/worker.log" >&2; die "the worker in $ns exited"; }
  kill -0 "$up" 2> /dev/null || { cat "$data/up.log" >&2; die "kdml up exited"; }
  [ "$(date +%s)" -lt "$deadline" ] || die "not every run evaluated within $timeout_s s (evaluated $evaluated of $total)"
  sleep 2
done
done_at=$(date +%s.%N)

# Who trained each run: the completion marker the worker writes after its completion transaction
# (completed.json: attempt, worker), read from the embedded S3 server's folder on this host.
"$here/kdml" status "$name" --orchestrator "$status" --json > "$data/status.json"
python3 - "$data/status.json" "$data/stack/s3" "$worker_id" <<'EOF'
import json, pathlib, sys
status, s3, expected = json.load(open(sys.argv[1])), pathlib.Path(sys.argv[2]), sys.argv[3]
markers = {p.parent.name: json.loads(p.read_text()) for p in s3.rglob("completed.json")}
others = 0
for r in status["runs"]:
    m = markers.get(r["runId"], {})
    print(f"two-hosts: run {r['runId']} {r['variant']} seed {r['seed']}: {r['state']}, trained by"
          f" {m.get('worker')} (attempt {m.get('attempt')})")
    others += m.get("worker") != expected
sys.exit(f"two-hosts: {others} run(s) not trained by {expected}" if others else 0)
EOF
python3 -c "print(f'two-hosts: {$total} runs evaluated; wall {$done_at-$submitted:.1f} s from submit,' \
  f' {$done_at-$t0:.1f} s from kdml up; machine: {$(nproc)} cores')"
