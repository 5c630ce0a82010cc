"""Succeeds with a partial batch response failing the first record of every partition."""
import json
import sys

event = json.load(sys.stdin)
failures = [
    {"itemIdentifier": {"partition": key, "offset": records[0]["offset"]}}
    for key, records in event["records"].items()
    if records
]
json.dump({"batchItemFailures": failures}, sys.stdout)
