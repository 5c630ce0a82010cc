"""Succeeds: reads the event on stdin, checks it is a Kafka event, answers with a summary."""
import json
import sys

event = json.load(sys.stdin)
records = sum(len(v) for v in event.get("records", {}).values())
print("handled", records, "records", file=sys.stderr)
json.dump({"eventSource": event.get("eventSource"), "records": records}, sys.stdout)
