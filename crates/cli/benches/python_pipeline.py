#!/usr/bin/env python3
"""Benchmark variant (c): the same job in Python — confluent-kafka consumer, Lambda Kafka events of
100 records built with json + base64 (headers as signed bytes); after each batch the offsets of its
partitions are stored for librdkafka to commit every 100 ms, the commit policy of `mskgate run`.
Usage: python_pipeline.py BOOTSTRAP TOPIC GROUP RECORDS. Prints one JSON line when done:
{"records": n, "first_ms": t, "last_ms": t, "events": k, "event_bytes": b}, then waits for stdin to close."""
import base64
import json
import sys
import time

from confluent_kafka import Consumer, TopicPartition

bootstrap, topic, group, want = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "auto.offset.reset": "earliest",
              "enable.auto.commit": True, "enable.auto.offset.store": False,
              "auto.commit.interval.ms": 100})
c.subscribe([topic])
seen = events = event_bytes = 0
first = None


def signed(b):
    return [x - 256 if x > 127 else x for x in b]


while seen < want:
    msgs = c.consume(num_messages=100, timeout=1.0)
    if not msgs:
        continue
    if first is None:
        first = time.time()
    records = {}
    ends = {}
    for m in msgs:
        if m.error():
            continue
        r = {"topic": m.topic(), "partition": m.partition(), "offset": m.offset(),
             "timestamp": m.timestamp()[1], "timestampType": "CREATE_TIME"}
        if m.key() is not None:
            r["key"] = base64.b64encode(m.key()).decode()
        if m.value() is not None:
            r["value"] = base64.b64encode(m.value()).decode()
        r["headers"] = [{k: signed(v or b"")} for k, v in (m.headers() or [])]
        records.setdefault(f"{m.topic()}-{m.partition()}", []).append(r)
        ends[(m.topic(), m.partition())] = m.offset() + 1
        seen += 1
    event = json.dumps({"eventSource": "SelfManagedKafka", "bootstrapServers": bootstrap, "records": records})
    events += 1
    event_bytes += len(event)
    c.store_offsets(offsets=[TopicPartition(t, p, o) for (t, p), o in ends.items()])
last = time.time()
print(json.dumps({"records": seen, "first_ms": int(first * 1000), "last_ms": int(last * 1000),
                  "events": events, "event_bytes": event_bytes}), flush=True)
sys.stdin.read()
c.close()
