#!/usr/bin/env python3
"""Example mskgate handler: reads one Lambda Kafka event (JSON) on stdin, like a Lambda function's
`event`, prints a line per record on stderr, appends the event to $DEMO_EVENTS (JSONL) and exits 0
(= the batch succeeded; mskgate commits its offsets)."""
import base64
import json
import os
import sys

event = json.load(sys.stdin)
for key, records in event["records"].items():
    for r in records:
        value = base64.b64decode(r["value"]).decode() if "value" in r else None
        headers = {k: bytes(b & 0xFF for b in v).decode() for h in r["headers"] for k, v in h.items()}
        print(f"handler: {key} offset {r['offset']}: {value} headers={headers}", file=sys.stderr)
path = os.environ.get("DEMO_EVENTS")
if path:
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(event) + "\n")
