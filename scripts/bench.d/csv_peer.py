"""Peer for csv2jsonl: Python's csv.DictReader and json.dumps (all strings)."""
import csv, json, sys
out = sys.stdout
for row in csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8")):
    out.write(json.dumps(row, ensure_ascii=False) + "\n")
