#!/usr/bin/env python3
"""Creates the demo topic and produces sample orders (JSON values, keys and a header)."""
import json
import sys

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

bootstrap, topic, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
admin = AdminClient({"bootstrap.servers": bootstrap})
for name, future in admin.create_topics([NewTopic(topic, num_partitions=2, replication_factor=1)]).items():
    try:
        future.result(30)
    except Exception as e:  # an existing topic is fine for a re-run
        if "TOPIC_ALREADY_EXISTS" not in str(e):
            raise
producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
for i in range(count):
    order = {"order_id": i, "item": ["book", "pen", "lamp"][i % 3], "amount": 10 + i}
    producer.produce(topic, key=f"customer-{i % 4}", value=json.dumps(order),
                     headers=[("source", b"demo")])
left = producer.flush(30)
if left:
    sys.exit(f"produce.py: {left} records not delivered")
print(f"produced {count} records to {topic}")
