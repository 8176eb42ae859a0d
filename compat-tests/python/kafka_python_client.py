"""kafka-python (pure Python) against a broker, run by KafkaPythonTest:

  kafka_python_client.py version
  kafka_python_client.py produce <bootstrap> <topic> <count> <tag> <compression> <first-timestamp-ms>
  kafka_python_client.py assign <bootstrap> <topic> <partitions> <expected>
  kafka_python_client.py group <bootstrap> <topic> <group> <expected>
  kafka_python_client.py create <bootstrap> <topic> <partitions>   (with retention.ms=3600000)
  kafka_python_client.py delete <bootstrap> <topic>
  kafka_python_client.py times <bootstrap> <topic> <partition> <timestamp-ms>...

Output as described in compat_io.py. kafka-python 2.0 has no idempotent producer: acks=all only.
CLIENT_CONFIG in the environment, name=value lines with kafka-python's argument names (security_protocol,
sasl_mechanism, sasl_plain_username, sasl_plain_password, ssl_cafile), is given to every client.
"""
import os
import sys
import time

import kafka
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic

import compat_io
from compat_io import Deadline, fact, headers_text, text

TIMEOUT_S = 30
EXTRA = dict(line.split("=", 1) for line in os.environ.get("CLIENT_CONFIG", "").splitlines() if "=" in line)


def version():
    fact("version", "kafka-python", kafka.__version__)


def produce(bootstrap, topic, count, tag, compression, first_ts):
    producer = KafkaProducer(bootstrap_servers=bootstrap, **EXTRA, acks="all", compression_type=compression, linger_ms=5)
    try:
        futures = []
        for i in range(int(count)):
            # kafka-python 2.0 only sends header values that are bytes, so its second header is empty, not null.
            key, value, headers = compat_io.record(i, tag, null_header=False)
            futures.append(producer.send(topic, key=key, value=value, headers=headers,
                                         timestamp_ms=int(first_ts) + 1000 * i))
        producer.flush(TIMEOUT_S)
        for i, future in enumerate(futures):
            ack = future.get(TIMEOUT_S)
            key, value, _ = compat_io.record(i, tag)
            fact("produced", ack.partition, ack.offset, text(key), text(value))
    finally:
        producer.close(TIMEOUT_S)


def drain(consumer, expected):
    """Consumes `expected` records, then polls one more second so that any extra record shows up too."""
    seen = 0
    deadline = Deadline(TIMEOUT_S)
    while seen < expected:
        if deadline.passed():
            raise RuntimeError("consumed %d of %d records within %d s" % (seen, expected, TIMEOUT_S))
        seen += print_batch(consumer.poll(timeout_ms=200))
    print_batch(consumer.poll(timeout_ms=1000))


def print_batch(batch):
    n = 0
    for records in batch.values():
        for r in records:
            fact("consumed", r.partition, r.offset, text(r.key), text(r.value), headers_text(r.headers))
            n += 1
    return n


def assign(bootstrap, topic, partitions, expected):
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, **EXTRA, group_id=None, enable_auto_commit=False)
    try:
        tps = [TopicPartition(topic, p) for p in range(int(partitions))]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        drain(consumer, int(expected))
    finally:
        consumer.close()


def group(bootstrap, topic, group_id, expected):
    consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, **EXTRA, group_id=group_id, enable_auto_commit=False,
                             auto_offset_reset="earliest", session_timeout_ms=10000)
    try:
        drain(consumer, int(expected))
        consumer.commit()
        for tp in sorted(consumer.assignment()):
            fact("committed", tp.partition, consumer.committed(tp))
    finally:
        consumer.close()  # leaves the group


def list_topics(client, topic, present):
    """Lists the topics until `topic` is among them (or no longer is), as a broker's metadata may trail its
    controller for a moment after a create or delete, and prints the last listing."""
    deadline = Deadline(TIMEOUT_S)
    names = sorted(t for t in client.list_topics() if not t.startswith("__"))
    while (topic in names) != present and not deadline.passed():
        time.sleep(0.1)
        names = sorted(t for t in client.list_topics() if not t.startswith("__"))
    fact("topics", ",".join(names))


def create(bootstrap, topic, partitions):
    client = KafkaAdminClient(bootstrap_servers=bootstrap, **EXTRA, request_timeout_ms=TIMEOUT_S * 1000)
    try:
        client.create_topics([NewTopic(topic, num_partitions=int(partitions), replication_factor=1,
                                       topic_configs={"retention.ms": "3600000"})])
        fact("created", topic)
        list_topics(client, topic, True)
    finally:
        client.close()


def delete(bootstrap, topic):
    client = KafkaAdminClient(bootstrap_servers=bootstrap, **EXTRA, request_timeout_ms=TIMEOUT_S * 1000)
    try:
        client.delete_topics([topic])
        fact("deleted", topic)
        list_topics(client, topic, False)
    finally:
        client.close()


def times(bootstrap, topic, partition, *timestamps):
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, **EXTRA, group_id=None)
    try:
        tp = TopicPartition(topic, int(partition))
        for ts in timestamps:
            found = consumer.offsets_for_times({tp: int(ts)})[tp]
            fact("time", tp.partition, ts, -1 if found is None else found.offset)
    finally:
        consumer.close()


COMMANDS = {"version": version, "produce": produce, "assign": assign, "group": group, "create": create,
            "delete": delete, "times": times}

if __name__ == "__main__":
    compat_io.deadline_guard(90)
    COMMANDS[sys.argv[1]](*sys.argv[2:])
