#!/usr/bin/env bash
# Grid throughput of the pipeline with 1 and 2 separate worker processes (not a test).
# Starts `kdml up --workers 0` on free ports, N `kdml worker` processes, submits a 12-run grid,
# waits until every run is evaluated (from `kdml status --json`), prints runs/minute.
# Usage: bench/grid_throughput.sh [WORKER_COUNTS...]   (default: 1 2)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
counts=("${@:-1 2}")
[ $# -eq 0 ] && counts=(1 2)
spec="$(mktemp --suffix=.yaml)"
for n in "${counts[@]}"; do
  data="$(mktemp -d)"
  sed "s/^name: quickstart/name: grid-w$n/; s/modes: \[kd-off, kd-on, ml, kd-ml\]/modes: [kd-on, ml, kd-ml]/; s/versions: \[v1, v2, v3\]/versions: [v1, v3]/" \
    "$here/examples/quickstart.yaml" > "$spec"
  "$here/kdml" up --workers 0 --data "$data" --kafka-port 0 --s3-port 0 --status-port 0 --dashboard-port 0 > "$data/up.log" 2>&1 &
  up=$!
  for _ in $(seq 1 120); do grep -q "Ctrl-C stops" "$data/up.log" 2>/dev/null && break; sleep 1; done
  kafka=$(sed -n 's/.*Kafka \([0-9.:]*\), S3.*/\1/p' "$data/up.log")
  s3=$(sed -n 's/.*S3 \(http:[^ ]*\) (bucket.*/\1/p' "$data/up.log")
  status=$(sed -n 's/.*status \(http:[^ ]*\)\/experiments.*/\1/p' "$data/up.log")
  pids=()
  threads=$(( $(nproc) / n )); [ "$threads" -lt 1 ] && threads=1
  for i in $(seq 1 "$n"); do
    KDML_THREADS=$threads "$here/kdml" worker --bootstrap "$kafka" --s3 "$s3" --work "$data/w$i" --id "bench-w$i" > "$data/w$i.log" 2>&1 &
    pids+=($!)
  done
  # Every worker's JVM up and connected, then a few seconds for the group to assign the partitions.
  for i in $(seq 1 "$n"); do
    for _ in $(seq 1 120); do grep -q "Ctrl-C / SIGTERM stops" "$data/w$i.log" 2>/dev/null && break; sleep 0.5; done
  done
  sleep 5
  start=$(date +%s.%N)
  "$here/kdml" submit "$spec" --bootstrap "$kafka" > /dev/null
  total=$(python3 -c "print(3*2*2)")
  while true; do
    # The status server's JSON over curl: a `kdml status` JVM every 2 s would take CPU from the workers.
    done_runs=$(curl -s "$status/experiments/grid-w$n" \
      | python3 -c "import json,sys; s=json.load(sys.stdin); print(s['counts']['evaluated'] + s['counts']['failed'])" 2>/dev/null || echo 0)
    [ "$done_runs" -ge "$total" ] && break
    sleep 2
  done
  end=$(date +%s.%N)
  python3 -c "w=$end-$start; print(f'workers={$n} threads_each={$threads} runs={$total} wall_s={w:.1f} runs_per_min={60*$total/w:.2f}')"
  kill "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
  kill $up; wait $up 2>/dev/null || true
  rm -rf "$data"
done
rm -f "$spec"
