#!/usr/bin/env python3
"""Test handler for `mskgate run`: reads the Lambda Kafka event on stdin and appends one JSON line per
record to $LEDGER ({"batch","attempt_pid","partition","offset","key","value","headers"}) and the whole event
to $EVENTS. Each line also carries "run" ($RUN, default null), "pid" and "call" (a random id of this
invocation). Each invocation's lines go to $LEDGER in one os.write on an O_APPEND descriptor, so processes
running at once never interleave lines. Behaviour, from the environment:
  FAIL_VALUE=v      fail (exit 1) any batch holding a record whose value is v (a poison record)
  FAIL_PREFIX=p     like FAIL_VALUE, for every record whose value starts with p (several poison records)
  PARTIAL=1         with FAIL_VALUE/FAIL_PREFIX: answer a partial batch response naming the poison record instead
  FAIL_FIRST=n      fail the first n invocations (counted in $STATE_DIR/count)
  FAIL_RATE=0.3     fail at random that share of invocations (seeded by pid+time)
  SLEEP=s           sleep s seconds before answering (timeouts, SIGTERM tests)
  TIMEOUT_RATE=0.1  at random that share of invocations first writes its records with "ok": false and
                    "timeout": true, then sleeps TIMEOUT_SLEEP seconds (default 3600): past the handler
                    timeout, so the runtime kills it (a timeout, not an exit)
  TIMEOUT_FIRST=n   the same for the first n invocations (counted in $STATE_DIR/count)
  DEADLINE=s        an invocation that gets to its answer later than s seconds after its process started
                    fails instead (its records written with "ok": false and "late": true, exit 1). Set it
                    well below the handler timeout: on a loaded machine Python's start-up alone can take a
                    second, and an "ok" written just before the runtime's timeout kills the process would
                    be a success in the ledger but a timeout (and a retry) for the runtime
Only records of invocations that succeed are written to $LEDGER with "ok": true; failed ones with false."""
import base64
import json
import os
import random
import sys
import time
import uuid

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
prefix = os.environ.get("FAIL_PREFIX")
if poison is not None or prefix is not None:
    bad = [r for r in records if (poison is not None and value(r) == poison)
           or (prefix is not None and (value(r) or "").startswith(prefix))]
    if bad:
        if os.environ.get("PARTIAL"):
            partial = bad
        else:
            fail = True
if count < int(os.environ.get("FAIL_FIRST", "0")):
    fail = True
rng = random.Random(os.getpid() * 7919 + time.time_ns())
rate = float(os.environ.get("FAIL_RATE", "0"))
if rate and rng.random() < rate:
    fail = True
ledger = os.environ.get("LEDGER")
run = os.environ.get("RUN")
call = uuid.uuid4().hex


def append(path, lines):
    """Appends lines with one write on an O_APPEND descriptor (no interleaving between processes)."""
    data = "".join(line + "\n" for line in lines).encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        while data:
            data = data[os.write(fd, data):]
    finally:
        os.close(fd)


def line(r, ok, **extra):
    headers = [{k: v} for h in r.get("headers", []) for k, v in h.items()]
    return json.dumps({"ok": ok, "invocation": count, "run": run, "pid": os.getpid(), "call": call,
                       "topic": r["topic"], "partition": r["partition"], "offset": r["offset"],
                       "key": r.get("key"), "value": value(r), "headers": headers,
                       "timestampType": r["timestampType"], **extra})


timeout_rate = float(os.environ.get("TIMEOUT_RATE", "0"))
if (timeout_rate and rng.random() < timeout_rate) or count < int(os.environ.get("TIMEOUT_FIRST", "0")):
    if ledger:
        append(ledger, [line(r, False, timeout=True) for r in records])
    time.sleep(float(os.environ.get("TIMEOUT_SLEEP", "3600")))
    sys.exit(1)
time.sleep(float(os.environ.get("SLEEP", "0")))


def age():
    """Seconds since this process started (/proc/self/stat starttime against /proc/uptime)."""
    with open("/proc/self/stat") as f:
        start_ticks = int(f.read().rsplit(")", 1)[1].split()[19])
    with open("/proc/uptime") as f:
        uptime = float(f.read().split()[0])
    return uptime - start_ticks / os.sysconf("SC_CLK_TCK")


deadline = os.environ.get("DEADLINE")
if deadline and age() > float(deadline):
    if ledger:
        append(ledger, [line(r, False, late=True) for r in records])
    print(f"ledger.py: answering after {age():.2f} s, past DEADLINE={deadline}: failing", file=sys.stderr)
    sys.exit(1)

failed_offsets = {(r["topic"], r["partition"], r["offset"]) for r in partial}
lowest = {}
for r in partial:
    k = (r["topic"], r["partition"])
    lowest[k] = min(lowest.get(k, r["offset"]), r["offset"])
if ledger:
    lines = []
    for r in records:
        low = lowest.get((r["topic"], r["partition"]))
        ok = not fail and (low is None or r["offset"] < low)
        lines.append(line(r, ok))
    append(ledger, lines)
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
