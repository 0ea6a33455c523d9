#!/usr/bin/env bash
# From a fresh clone ($1, default .): ./kdml run vs ./kdml up + kcat + ./kdml report --format html;
# the stack's MLflow bridge mirrors it into the stand-in server, and a restarted stack adds nothing twice.
set -euo pipefail
cd "${1:-.}"
/usr/bin/time -v ./kdml run examples/quickstart.yaml > /tmp/dw-run.log 2> /tmp/dw-run.time
grep -E "Elapsed|Maximum resident" /tmp/dw-run.time
tail -25 /tmp/dw-run.log
./kdml report quickstart --format md > /tmp/dw-run-report.md
./kdml report quickstart --format csv > /tmp/dw-run-report.csv
./kdml report quickstart --format html > /dev/null
mvn -o -q dependency:build-classpath -pl mlflow-bridge -Dmdep.outputFile=/tmp/dw-cp.txt > /dev/null
java -cp "mlflow-bridge/target/test-classes:mlflow-bridge/target/classes:$(cat /tmp/dw-cp.txt)" \
  org.kdml.mlflow.MlflowTestServer 5055 10 > /tmp/dw-mlflow.log 2>&1 &
ml=$!
data=$(mktemp -d /tmp/dw-stack-XXXX)
./kdml up --data "$data" --workers 1 --mlflow http://127.0.0.1:5055 > /tmp/dw-up.log 2>&1 &
up=$!
trap 'kill $up $ml 2>/dev/null; wait 2>/dev/null || true' EXIT
for i in $(seq 1 120); do grep -q "Kafka" /tmp/dw-up.log && break; sleep 2; done
head -3 /tmp/dw-up.log
bootstrap=$(grep -oE "Kafka [0-9.]+:[0-9]+" /tmp/dw-up.log | head -1 | cut -d' ' -f2)
s3=$(grep -oE "S3 http://[0-9.]+:[0-9]+" /tmp/dw-up.log | head -1 | cut -d' ' -f2)
status=$(grep -oE "status http://[0-9.]+:[0-9]+" /tmp/dw-up.log | head -1 | cut -d' ' -f2)
echo "stack: $bootstrap $s3 $status"
t0=$(date +%s)
kcat -P -b "$bootstrap" -t kdml.specs examples/quickstart.yaml
deadline=$((t0 + 1800))
until ./kdml status quickstart --orchestrator "$status" 2>/dev/null | grep -q "report (S3"; do
  [ "$(date +%s)" -lt "$deadline" ] || { echo "no report within 30 min"; exit 1; }
  sleep 10
done
echo "report on the stack after $(( $(date +%s) - t0 )) s"
./kdml status quickstart --orchestrator "$status" | tail -6
./kdml report quickstart --out /tmp/dw-stack-runs --bootstrap "$bootstrap" --s3 "$s3" --format md > /tmp/dw-stack-report.raw
./kdml report quickstart --out /tmp/dw-stack-runs --format csv > /tmp/dw-stack-report.csv
./kdml report quickstart --out /tmp/dw-stack-runs --format html
diff <(grep -v "^read " /tmp/dw-stack-report.raw) /tmp/dw-run-report.md && echo "md: identical"
diff /tmp/dw-stack-report.csv /tmp/dw-run-report.csv && echo "csv: identical"
diff /tmp/dw-stack-runs/quickstart/report/report.html runs/quickstart/report/report.html && echo "html: identical"
sleep 25
echo "MLflow stand-in before the restart: $(tail -1 /tmp/dw-mlflow.log)"
kill $up; wait $up 2>/dev/null || true
./kdml up --data "$data" --workers 1 --mlflow http://127.0.0.1:5055 > /tmp/dw-up2.log 2>&1 &
up=$!
sleep 60
echo "MLflow stand-in after the restart:  $(tail -1 /tmp/dw-mlflow.log)"
