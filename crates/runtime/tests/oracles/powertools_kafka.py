#!/usr/bin/env python3
"""Oracle: AWS Lambda Powertools (Python) reads mskgate's Kafka events.

Usage:  powertools_kafka.py DIR

DIR holds pairs NAME.event.json (the event bytes mskgate wrote) and NAME.expect.json:

    {"source": "msk" | "self-managed",
     "records": [{"key": "<partition key>", "topic": "...", "partition": 0, "offset": 0,
                  "timestamp": 0, "timestampType": "CREATE_TIME",
                  "key_hex": "..." | null, "value_hex": "..." | null,
                  "headers": [["name", "<hex>" | null], ...]}]}

Each event is validated with the Powertools parser model (`KafkaMskEventModel` or
`KafkaSelfManagedEventModel`, pydantic) and read with the `KafkaEvent` data class; the decoded
key, value and headers must equal the expectation. The parser model's `value` is a required
UTF-8 string, so it rejects tombstones (no `value`) and binary values: for events with such
records the model must fail *only* on those records' `value` fields, and the rest is checked
through the data class (which decodes lazily).

Prints one JSON line per event ({"name", "ok", "problems"}) and then
{"powertools": "<version>", "pydantic": "<version>"}. Exits 1 if any event fails.
"""

import base64
import copy
import importlib.metadata
import json
import pathlib
import sys

from pydantic import ValidationError

from aws_lambda_powertools.utilities.data_classes.kafka_event import KafkaEvent
from aws_lambda_powertools.utilities.parser.models import (
    KafkaMskEventModel,
    KafkaSelfManagedEventModel,
)


def utf8_or_none(b):
    try:
        return b.decode("utf-8")
    except UnicodeDecodeError:
        return None


def check(event_bytes, expect):
    problems = []
    raw = json.loads(event_bytes)
    model_cls = KafkaMskEventModel if expect["source"] == "msk" else KafkaSelfManagedEventModel

    # Records the parser model cannot take (Powertools limitation: value must be UTF-8 text).
    unparseable = set()
    for r in expect["records"]:
        v = None if r["value_hex"] is None else bytes.fromhex(r["value_hex"])
        if v is None or utf8_or_none(v) is None:
            unparseable.add((r["key"], r["offset"]))

    model = None
    try:
        # The parser mutates its input (decodes headers in place): give it a copy.
        model = model_cls.model_validate(copy.deepcopy(raw))
        if unparseable:
            problems.append("the parser model accepted records it cannot decode")
    except ValidationError as e:
        # Every error must be a `value` of a record we expect it to reject.
        for err in e.errors():
            loc = err["loc"]
            ok = (
                len(loc) >= 4
                and loc[0] == "records"
                and loc[3] == "value"
                and any(k == loc[1] for k, _ in unparseable)
            )
            if not ok:
                problems.append(f"parser model error at {loc}: {err['type']}")
        if not unparseable:
            problems.append("the parser model rejected the event")

    if model is not None:
        if expect["source"] == "msk" and not model.eventSourceArn:
            problems.append("no eventSourceArn")
        got = {(k, rec.offset): rec for k, recs in model.records.items() for rec in recs}
        for r in expect["records"]:
            rec = got.get((r["key"], r["offset"]))
            if rec is None:
                problems.append(f"model: record {r['key']}@{r['offset']} missing")
                continue
            if rec.topic != r["topic"] or rec.partition != r["partition"]:
                problems.append(f"model: {r['key']}@{r['offset']} topic/partition differ")
            if rec.timestampType != r["timestampType"]:
                problems.append(f"model: {r['key']}@{r['offset']} timestampType differs")
            if round(rec.timestamp.timestamp() * 1000) != r["timestamp"]:
                problems.append(f"model: {r['key']}@{r['offset']} timestamp differs")
            want_key = None if r["key_hex"] is None else bytes.fromhex(r["key_hex"])
            if rec.key != want_key:
                problems.append(f"model: {r['key']}@{r['offset']} key differs")
            if rec.value != bytes.fromhex(r["value_hex"]).decode("utf-8"):
                problems.append(f"model: {r['key']}@{r['offset']} value differs")
            # A null header value arrives as {} (no key); the model keeps the empty dict.
            want_headers = [
                ({} if h is None else {n: bytes.fromhex(h)}) for n, h in r["headers"]
            ]
            if rec.headers != want_headers:
                problems.append(f"model: {r['key']}@{r['offset']} headers differ")

    # The data class reads every record, tombstones and binary values included.
    event = KafkaEvent(raw)
    if event.bootstrap_servers != raw["bootstrapServers"] or (
        model is not None and model.bootstrapServers != raw["bootstrapServers"].split(",")
    ):
        problems.append("data class: bootstrap servers differ")
    seen = 0
    for rec in event.records:
        seen += 1
        key = f"{rec.topic}-{rec.partition}"
        exp = [r for r in expect["records"] if r["key"] == key and r["offset"] == rec.offset]
        if len(exp) != 1:
            problems.append(f"data class: unexpected record {key}@{rec.offset}")
            continue
        r = exp[0]
        want_key = None if r["key_hex"] is None else bytes.fromhex(r["key_hex"])
        if rec.decoded_key != want_key:
            problems.append(f"data class: {key}@{rec.offset} key differs")
        if r["value_hex"] is None:
            if rec.get("value") is not None:
                problems.append(f"data class: {key}@{rec.offset} tombstone has a value")
        elif base64.b64decode(rec["value"]) != bytes.fromhex(r["value_hex"]):
            problems.append(f"data class: {key}@{rec.offset} value differs")
        headers = []
        for h in rec["headers"]:
            if not h:
                headers.append(None)
                continue
            ((name, ints),) = h.items()
            headers.append([name, bytes(b & 0xFF for b in ints).hex()])
        want = [None if h is None else [n, h] for n, h in r["headers"]]
        if headers != want:
            problems.append(f"data class: {key}@{rec.offset} headers differ: {headers} vs {want}")
        for h in rec["headers"]:
            for ints in h.values():
                if any(b < -128 or b > 127 for b in ints):
                    problems.append(f"data class: {key}@{rec.offset} header byte out of -128..127")
    if seen != len(expect["records"]):
        problems.append(f"data class: {seen} records, expected {len(expect['records'])}")
    return problems


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    root = pathlib.Path(sys.argv[1])
    failed = False
    for event_path in sorted(root.glob("*.event.json")):
        name = event_path.name[: -len(".event.json")]
        expect = json.loads((root / f"{name}.expect.json").read_text())
        problems = check(event_path.read_bytes(), expect)
        failed |= bool(problems)
        print(json.dumps({"name": name, "ok": not problems, "problems": problems}))
    print(
        json.dumps(
            {
                "powertools": importlib.metadata.version("aws-lambda-powertools"),
                "pydantic": importlib.metadata.version("pydantic"),
            }
        )
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
