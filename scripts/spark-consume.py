#!/usr/bin/env python3
"""Spark Structured Streaming reader for the spotify-tracks topic, or any topic.

Reads the topic's committed data from the earliest offset, parses each value with the
dataset's schema (scripts/spotify-schema.ddl) and keeps running aggregates
per genre: the number of tracks and their mean popularity, printed to the
console as they change. With --schema FILE (a Spark DDL, such as the
TOPIC.ddl kaggle-to-kafka writes), any table: the number of records read
so far and the first few of them.

  spark-consume.py [--brokers B] [--topic T] [--schema FILE] [-F FILE]
                   [--option KEY=VALUE]... [--print-options]
                   [--available-now --output FILE]

-F FILE takes the client properties file that kpublish and kconsume take
(librdkafka's names; default $KAFKA_CLIENT_PROPERTIES) and gives Spark the
same settings as its kafka.* options; --option KEY=VALUE sets a Spark Kafka
source option as it is (kafka.* for the consumer), after -F, so it wins.
--print-options prints the options Spark would get, secrets hidden, and
stops. --available-now processes what the topic holds, writes the final
aggregates as JSON lines to FILE (with --schema: {"count": N}, then the
first rows) and stops (the tests use it).
"""
import argparse
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PROG = "spark-consume.py"
ROWS = 5    # the rows shown of a table read with --schema

# librdkafka's name -> the Java client's, for the settings a secured cluster
# needs; sasl.username and sasl.password become sasl.jaas.config.
SAME = {"security.protocol", "client.id", "ssl.endpoint.identification.algorithm",
        "ssl.cipher.suites", "sasl.kerberos.service.name"}
RENAMED = {"sasl.mechanisms": "sasl.mechanism", "sasl.mechanism": "sasl.mechanism"}
LOGIN = {"PLAIN": "org.apache.kafka.common.security.plain.PlainLoginModule",
         "SCRAM-SHA-256": "org.apache.kafka.common.security.scram.ScramLoginModule",
         "SCRAM-SHA-512": "org.apache.kafka.common.security.scram.ScramLoginModule"}


def die(msg, status=2):
    print("%s: %s" % (PROG, msg), file=sys.stderr)
    sys.exit(status)


def read_properties(path):
    """key=value lines, '#' and '!' comment lines, as kpublish -F reads them;
    yields (key, value, "FILE:LINE")."""
    try:
        with open(path) as f:
            for n, line in enumerate(f, 1):
                line = line.strip()
                if not line or line[0] in "#!":
                    continue
                key, eq, val = line.partition("=")
                if not eq or not key.strip():
                    die("%s:%d: expected key=value" % (path, n))
                yield key.strip(), val.strip(), "%s:%d" % (path, n)
    except OSError as e:
        die("%s: %s" % (path, e.strerror), 1)


def jaas_quote(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def spark_options(path):
    """The Spark kafka.* options for a librdkafka client properties file."""
    opts, user, password, where = {}, None, None, path
    for key, val, where in read_properties(path):
        if key in SAME:
            opts["kafka." + key] = val
        elif key in RENAMED:
            opts["kafka." + RENAMED[key]] = val
        elif key == "sasl.username":
            user = val
        elif key == "sasl.password":
            password = val
        elif key == "ssl.ca.location":
            opts["kafka.ssl.truststore.type"] = "PEM"
            opts["kafka.ssl.truststore.location"] = val
        elif key == "bootstrap.servers":
            opts["kafka.bootstrap.servers"] = val
        else:
            die("%s: %s has no Spark equivalent here; give it with --option kafka.KEY=VALUE"
                % (where, key))
    if user is not None or password is not None:
        mech = opts.get("kafka.sasl.mechanism", "GSSAPI")
        if mech not in LOGIN or user is None or password is None:
            die("%s: sasl.username and sasl.password need sasl.mechanisms PLAIN or SCRAM-*" % path)
        opts["kafka.sasl.jaas.config"] = "%s required username=%s password=%s;" % (
            LOGIN[mech], jaas_quote(user), jaas_quote(password))
    return opts


class Parser(argparse.ArgumentParser):
    """argparse, with the other scripts' option errors: one line
    "spark-consume.py: what", the usage, exit 2, before any work."""

    def error(self, message):
        m = re.match(r"argument (\S+): expected one argument$", message)
        if m:
            message = "option %s needs a value" % m.group(1)
        m = re.match(r"unrecognized arguments: (\S+)", message)
        if m:
            what = "unknown option" if m.group(1).startswith("-") else "unexpected argument"
            message = "%s: %s" % (what, m.group(1))
        print("%s: %s" % (PROG, message), file=sys.stderr)
        self.print_usage(sys.stderr)
        sys.exit(2)


def hidden(key, val):
    return "***" if any(w in key for w in ("password", "jaas", "secret", "token")) else val


def main():
    p = Parser(prog=PROG, description=__doc__.splitlines()[0], allow_abbrev=False)
    p.add_argument("--brokers", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "localhost:9092"))
    p.add_argument("--topic", default=os.environ.get("KAFKA_TOPIC", "spotify-tracks"))
    p.add_argument("--schema", metavar="FILE")
    p.add_argument("-F", "--properties", default=os.environ.get("KAFKA_CLIENT_PROPERTIES") or None)
    p.add_argument("--option", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--print-options", action="store_true")
    p.add_argument("--available-now", action="store_true")
    p.add_argument("--output")
    a = p.parse_args()
    # As the shell scripts: an option given must have a value that is not empty.
    for opt, val in (("--brokers", a.brokers), ("--topic", a.topic), ("-F", a.properties),
                     ("--output", a.output), ("--schema", a.schema)):
        if val == "":
            p.error("option %s needs a value" % opt)
    if a.available_now and not a.output:
        p.error("--available-now needs --output")
    # Committed data only: the Java consumer's default, read_uncommitted,
    # would count aborted transactions' rows.
    options = {"kafka.bootstrap.servers": a.brokers, "subscribe": a.topic,
               "startingOffsets": "earliest", "kafka.isolation.level": "read_committed"}
    if a.properties:
        options.update(spark_options(a.properties))
    for kv in a.option:
        key, eq, val = kv.partition("=")
        if not eq or not key:
            p.error("--option: expected KEY=VALUE: " + key)
        options[key] = val
    if a.print_options:
        for key in sorted(options):
            print("%s=%s" % (key, hidden(key, options[key])))
        return
    # The schema is read before Spark starts: a file that is not there
    # fails at once.
    try:
        with open(a.schema or os.path.join(HERE, "spotify-schema.ddl")) as f:
            schema = f.read().strip()
    except OSError as e:
        die("%s: %s" % (a.schema, e.strerror), 1)
    if not schema:
        die("%s: empty schema" % a.schema, 1)

    import pyspark
    from pyspark.sql import SparkSession
    from pyspark.sql.functions import avg, col, count, from_json

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

    rows = (spark.readStream.format("kafka")
            .options(**options)
            .load()
            .select(from_json(col("value").cast("string"), schema).alias("r"))
            .select("r.*"))
    if a.schema:
        query = any_table(rows, a)
        query.awaitTermination()
        spark.stop()
        return
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


def any_table(rows, a):
    """Any table: the records read so far, and the first ROWS of them."""
    seen = {"count": 0, "rows": []}

    def show(batch, _):
        n = batch.count()
        seen["count"] += n
        new = []
        if n and len(seen["rows"]) < ROWS:
            new = [r.asDict(recursive=True) for r in batch.limit(ROWS - len(seen["rows"])).collect()]
            seen["rows"] += new
        if a.available_now:
            with open(a.output + ".tmp", "w") as out:
                out.write(json.dumps({"count": seen["count"]}) + "\n")
                for r in seen["rows"]:
                    out.write(json.dumps(r, default=str) + "\n")
            os.replace(a.output + ".tmp", a.output)
            return
        for r in new:
            print(json.dumps(r, default=str))
        print("%s: %d records" % (a.topic, seen["count"]), flush=True)

    writer = rows.writeStream.foreachBatch(show)
    if a.available_now:
        writer = writer.trigger(availableNow=True)
    return writer.start()


if __name__ == "__main__":
    main()
