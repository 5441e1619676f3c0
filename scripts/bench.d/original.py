"""The original's shape, pandas-free: one Python process reads the zip,
converts each row with csv and json, adds timestamp and record_id, and
produces it keyed by track_id with confluent-kafka, with kpublish's
producer settings."""
import csv, io, json, sys, time, zipfile
from datetime import datetime, timezone
from confluent_kafka import Producer

zip_path, brokers, topic = sys.argv[1:4]
p = Producer({"bootstrap.servers": brokers, "enable.idempotence": True,
              "linger.ms": 20, "compression.type": "lz4",
              "queue.buffering.max.messages": 100000})
with zipfile.ZipFile(zip_path) as z:
    name = [n for n in z.namelist() if n.endswith(".csv")][0]
    with z.open(name) as f:
        for i, row in enumerate(csv.DictReader(io.TextIOWrapper(f, "utf-8", newline=""))):
            row["timestamp"] = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
            row["record_id"] = i
            while True:
                try:
                    p.produce(topic, json.dumps(row, ensure_ascii=False).encode(),
                              key=(row.get("track_id") or str(i)).encode())
                    break
                except BufferError:
                    p.poll(0.1)
            p.poll(0)
left = p.flush(60)
sys.exit(1 if left else 0)
