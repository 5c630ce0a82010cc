#!/usr/bin/env bash
# The README's first command: the whole thing on loopback, no AWS account needed.
#   1. installs the test broker (tansu) and the Python client once (scripts/install-test-deps.sh),
#   2. starts a local Kafka-protocol broker (scripts/broker.sh, PLAINTEXT listener),
#   3. creates a topic and produces sample orders (examples/demo/produce.py),
#   4. validates the example configuration (mskgate validate),
#   5. runs the consumer (mskgate run) with the example handler until it is idle,
#   6. shows the Lambda events the handler received, and stops everything.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "installing the local broker and the Python client (first run only; see README)"
bash scripts/install-test-deps.sh | sed 's/^/  /'
# shellcheck source=scripts/env.sh
. scripts/env.sh
cargo build -q -p mskgate
MSKGATE=$PWD/target/debug/mskgate

work=$(mktemp -d "${TMPDIR:-/tmp}/mskgate-demo.XXXXXX")
export MSKGATE_BROKER_WORK=$work/broker MSKGATE_OWNER_PID=$$
stop() {
  bash scripts/broker.sh stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap stop EXIT

say "starting a local broker"
bash scripts/broker.sh start | sed 's/^/  /'
# shellcheck disable=SC1091
. "$MSKGATE_BROKER_WORK/ports.env"
bootstrap=$MSKGATE_PLAINTEXT_BOOTSTRAP

say "producing 12 sample orders to demo-orders on $bootstrap"
"$MSKGATE_PYTHON" examples/demo/produce.py "$bootstrap" demo-orders 12 | sed 's/^/  /'

config=$work/config.json
"$MSKGATE_PYTHON" - "$bootstrap" "$config" <<'PY'
import json, sys
c = json.load(open("examples/demo/config.json"))
c["source"]["SelfManagedEventSource"]["Endpoints"]["KAFKA_BOOTSTRAP_SERVERS"] = [sys.argv[1]]
c["metrics"] = {"listen": "127.0.0.1:0"}
json.dump(c, open(sys.argv[2], "w"), indent=2)
PY

say "validating the configuration"
"$MSKGATE" validate "$config" --target runtime | sed 's/^/  /'

say "running the consumer (stops after 3 s without records)"
export DEMO_EVENTS=$work/events.jsonl
"$MSKGATE" run --config "$config" --stop-when-idle 3 --summary

say "the Lambda events the handler received"
"$MSKGATE_PYTHON" - "$DEMO_EVENTS" <<'PY'
import json, sys
for n, line in enumerate(open(sys.argv[1]), 1):
    event = json.loads(line)
    counts = {k: len(v) for k, v in event["records"].items()}
    print(f"  event {n}: eventSource={event['eventSource']} bootstrapServers={event['bootstrapServers']} records={counts}")
print("  first event, as the handler got it on stdin:")
print("  " + json.dumps(json.loads(open(sys.argv[1]).readline()), indent=2).replace("\n", "\n  "))
PY
say "done: broker stopped, nothing left running"
