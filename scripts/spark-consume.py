#!/usr/bin/env python3
"""Spark Structured Streaming reader for the spotify-tracks topic.

Reads the topic's committed data from the earliest offset, parses each value with the
dataset's schema (scripts/spotify-schema.ddl) and keeps running aggregates
per genre: the number of tracks and their mean popularity, printed to the
console as they change.

  spark-consume.py [--brokers B] [--topic T] [--available-now --output FILE]

--available-now processes what the topic holds, writes the final
aggregates as JSON lines to FILE and stops (the tests use it).
"""
import argparse
import json
import os

import pyspark
from pyspark.sql import SparkSession
from pyspark.sql.functions import avg, col, count, from_json

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--brokers", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "localhost:9092"))
    p.add_argument("--topic", default=os.environ.get("KAFKA_TOPIC", "spotify-tracks"))
    p.add_argument("--available-now", action="store_true")
    p.add_argument("--output")
    a = p.parse_args()
    if a.available_now and not a.output:
        p.error("--available-now needs --output")

    # The connector must match Spark's own version and Scala build: jars
    # from scripts/spark-jars, or Spark fetches the package itself.
    builder = SparkSession.builder.appName("spotify-consume")
    jars = os.environ.get("SPARK_KAFKA_JARS")
    if jars:
        builder = builder.config("spark.jars", jars)
    else:
        builder = builder.config("spark.jars.packages",
                                 "org.apache.spark:spark-sql-kafka-0-10_2.12:" + pyspark.__version__)
    spark = (builder.master(os.environ.get("SPARK_MASTER", "local[2]"))
             .config("spark.sql.shuffle.partitions", "4")
             .config("spark.ui.enabled", "false")
             .getOrCreate())
    spark.sparkContext.setLogLevel("WARN")
    with open(os.path.join(HERE, "spotify-schema.ddl")) as f:
        schema = f.read().strip()

    rows = (spark.readStream.format("kafka")
            .option("kafka.bootstrap.servers", a.brokers)
            .option("subscribe", a.topic)
            .option("startingOffsets", "earliest")
            # Committed data only: the Java consumer's default,
            # read_uncommitted, would count aborted transactions' rows.
            .option("kafka.isolation.level", "read_committed")
            .load()
            .select(from_json(col("value").cast("string"), schema).alias("r"))
            .select("r.*"))
    per_genre = (rows.groupBy("track_genre")
                 .agg(count("*").alias("tracks"), avg("popularity").alias("mean_popularity")))

    writer = per_genre.writeStream.outputMode("complete")
    if a.available_now:
        def keep(batch, _):
            result = sorted(batch.collect(), key=lambda r: r.track_genre or "")
            with open(a.output + ".tmp", "w") as out:
                for r in result:
                    out.write(json.dumps({"genre": r.track_genre, "tracks": r.tracks,
                                          "mean_popularity": round(r.mean_popularity, 6)}) + "\n")
            os.replace(a.output + ".tmp", a.output)
        query = writer.foreachBatch(keep).trigger(availableNow=True).start()
    else:
        query = (writer.format("console").option("truncate", "false")
                 .option("numRows", 200).start())
    query.awaitTermination()
    spark.stop()


if __name__ == "__main__":
    main()
