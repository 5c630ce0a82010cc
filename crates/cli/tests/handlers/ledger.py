#!/usr/bin/env python3
"""Test handler for `mskgate run`: reads the Lambda Kafka event on stdin and appends one JSON line per
record to $LEDGER ({"batch","attempt_pid","partition","offset","key","value","headers"}) and the whole event
to $EVENTS. Behaviour, from the environment:
  FAIL_VALUE=v      fail (exit 1) any batch holding a record whose value is v (a poison record)
  PARTIAL=1         with FAIL_VALUE: answer a partial batch response naming the poison record instead
  FAIL_FIRST=n      fail the first n invocations (counted in $STATE_DIR/count)
  FAIL_RATE=0.3     fail at random that share of invocations (seeded by pid+time)
  SLEEP=s           sleep s seconds before answering (timeouts, SIGTERM tests)
Only records of invocations that succeed are written to $LEDGER with "ok": true; failed ones with false."""
import base64
import json
import os
import random
import sys
import time

event = json.load(sys.stdin)
records = [r for rs in event["records"].values() for r in rs]
state = os.environ.get("STATE_DIR")
count = 0
if state:
    path = os.path.join(state, "count")
    try:
        count = int(open(path).read())
    except (FileNotFoundError, ValueError):
        count = 0
    with open(path, "w") as f:
        f.write(str(count + 1))

def value(r):
    return base64.b64decode(r["value"]).decode("utf-8", "replace") if "value" in r else None

fail = False
partial = []
poison = os.environ.get("FAIL_VALUE")
if poison is not None:
    bad = [r for r in records if value(r) == poison]
    if bad:
        if os.environ.get("PARTIAL"):
            partial = bad
        else:
            fail = True
if count < int(os.environ.get("FAIL_FIRST", "0")):
    fail = True
rate = float(os.environ.get("FAIL_RATE", "0"))
if rate and random.Random(os.getpid() * 7919 + time.time_ns()).random() < rate:
    fail = True
time.sleep(float(os.environ.get("SLEEP", "0")))

failed_offsets = {(r["topic"], r["partition"], r["offset"]) for r in partial}
lowest = {}
for r in partial:
    k = (r["topic"], r["partition"])
    lowest[k] = min(lowest.get(k, r["offset"]), r["offset"])
ledger = os.environ.get("LEDGER")
if ledger:
    with open(ledger, "a") as f:
        for r in records:
            low = lowest.get((r["topic"], r["partition"]))
            ok = not fail and (low is None or r["offset"] < low)
            headers = [{k: v} for h in r.get("headers", []) for k, v in h.items()]
            f.write(json.dumps({"ok": ok, "invocation": count, "topic": r["topic"], "partition": r["partition"],
                                "offset": r["offset"], "key": r.get("key"), "value": value(r),
                                "headers": headers, "timestampType": r["timestampType"]}) + "\n")
events = os.environ.get("EVENTS")
if events:
    with open(events, "a") as f:
        f.write(json.dumps(event) + "\n")
if fail:
    print("ledger.py: failing this batch", file=sys.stderr)
    sys.exit(1)
if partial:
    print(json.dumps({"batchItemFailures": [
        {"itemIdentifier": {"partition": f"{r['topic']}-{r['partition']}", "offset": r["offset"]}} for r in partial]}))
