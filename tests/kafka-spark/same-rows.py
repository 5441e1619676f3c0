#!/usr/bin/env python3
"""Reads JSON lines through Spark's from_json with two DDL schemas and
checks that both give every row the same values, and that a value is null
only where the message's own field is null (nothing lost to a wrong type).
Usage: same-rows.py MESSAGES DDL-FILE DDL-FILE; prints the rows compared.
"""
import json
import sys

from pyspark.sql import SparkSession
from pyspark.sql.functions import col, from_json

path, ddl_a, ddl_b = sys.argv[1:4]
spark = (SparkSession.builder.appName("same-rows").master("local[1]")
         .config("spark.ui.enabled", "false")
         .config("spark.ui.showConsoleProgress", "false").getOrCreate())
spark.sparkContext.setLogLevel("WARN")
lines = spark.read.text(path)


def parsed(ddl_path):
    with open(ddl_path) as f:
        ddl = f.read().strip()
    rows = (lines.select(from_json(col("value"), ddl).alias("r"))
            .select("r.*").orderBy("record_id").collect())
    return [r.asDict() for r in rows]


a, b = parsed(ddl_a), parsed(ddl_b)
with open(path) as f:
    raw = sorted((json.loads(line) for line in f), key=lambda m: m["record_id"])
bad = []
if len(a) != len(raw) or len(b) != len(raw):
    bad.append(f"rows: {len(raw)} messages, {len(a)} and {len(b)} parsed")
for ra, rb, m in zip(a, b, raw):
    if ra != rb:
        bad.append(f"record {m['record_id']}: {ra} != {rb}")
    for k, v in m.items():
        if (ra.get(k) is None) != (v is None):
            bad.append(f"record {m['record_id']}: {k}: {v!r} parsed as {ra.get(k)!r}")
spark.stop()
if bad:
    print("\n".join(line[:400] for line in bad[:10]))
    sys.exit(1)
print(f"{len(a)} rows the same with both schemas")
