#!/usr/bin/env python3
"""Runs a Spark SQL file statement by statement through spark.sql(), as
spark-sql -f would (pip's PySpark has no spark-sql command), and writes the
last statement's rows as JSON lines to OUTPUT.
Usage: run-sql.py FILE OUTPUT   (SPARK_KAFKA_JARS: the connector's jars)
"""
import json
import os
import sys

from pyspark.sql import SparkSession

path, out = sys.argv[1:3]
with open(path) as f:
    text = "".join(line for line in f if not line.lstrip().startswith("--"))
spark = (SparkSession.builder.appName("run-sql").master("local[2]")
         .config("spark.jars", os.environ["SPARK_KAFKA_JARS"])
         .config("spark.sql.shuffle.partitions", "4")
         .config("spark.ui.enabled", "false")
         .getOrCreate())
spark.sparkContext.setLogLevel("WARN")
result = None
for statement in text.split(";"):
    if statement.strip():
        result = spark.sql(statement)
with open(out, "w") as f:
    for row in result.collect():
        f.write(json.dumps(row.asDict()) + "\n")
spark.stop()
