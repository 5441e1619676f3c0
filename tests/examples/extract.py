#!/usr/bin/env python3
"""Extracts the examples of README.md and the manuals, as written.

Every indented block of README.md, and every literal block of a manual's
EXAMPLES section, must carry a mark on the line before it:
  README:  <!-- run -->  <!-- run secure -->  <!-- properties -->  <!-- not run: why -->
  mdoc:    .\\" run       .\\" run secure       .\\" properties       .\\" not run: why
'run' blocks are commands (a manual's lines after '$ ', with their
continuation lines); 'properties' blocks are client properties files.
Writes DIR/NNN.sh or DIR/NNN.properties and one line per block to
DIR/list: NNN kind mode where. Exit 1 (naming the place) on a block
without a mark.
Usage: extract.py DIR README.md man/*.1
"""
import os, re, sys

MARK = re.compile(r'^(?:<!--|\.\\")\s*(run secure|run|properties|not run:.*?)\s*(?:-->)?\s*$')


def unescape(line):
    for a, b in (("\\(dq", '"'), ("\\(aq", "'"), ("\\-", "-"), ("\\&", ""), ("\\e", "\\")):
        line = line.replace(a, b)
    return line


def readme_blocks(path):
    lines = open(path).read().split("\n")
    i = 0
    while i < len(lines):
        if not lines[i].startswith("    "):
            i += 1
            continue
        start, body = i, []
        while i < len(lines) and (lines[i].startswith("    ") or
                                  (lines[i] == "" and i + 1 < len(lines) and lines[i + 1].startswith("    "))):
            body.append(lines[i][4:])
            i += 1
        prev = start - 1
        while prev >= 0 and lines[prev] == "":
            prev -= 1
        m = MARK.match(lines[prev]) if prev >= 0 else None
        yield "%s:%d" % (path, start + 1), (m.group(1) if m else None), body


def man_blocks(path):
    lines = open(path).read().split("\n")
    section, i = "", 0
    while i < len(lines):
        if lines[i].startswith(".Sh "):
            section = lines[i][4:]
        if section != "EXAMPLES" or not lines[i].startswith(".Bd -literal"):
            i += 1
            continue
        start, body = i, []
        i += 1
        while i < len(lines) and lines[i] != ".Ed":
            body.append(unescape(lines[i]))
            i += 1
        m = MARK.match(lines[start - 1])
        kind = m.group(1) if m else None
        if kind and kind.startswith("run"):
            cmds, more = [], False
            for b in body:
                if more or b.startswith("$ "):
                    cmds.append(b if more else b[2:])
                    more = b.endswith(("\\", "|"))
            body = cmds
        yield "%s:%d" % (path, start + 1), kind, body


def main():
    out, files = sys.argv[1], sys.argv[2:]
    os.makedirs(out, exist_ok=True)
    n, bad = 0, 0
    with open(os.path.join(out, "list"), "w") as lst:
        for f in files:
            blocks = readme_blocks(f) if f.endswith(".md") else man_blocks(f)
            for where, kind, body in blocks:
                if kind is None:
                    print("extract.py: %s: a block without a run or not-run mark" % where, file=sys.stderr)
                    bad += 1
                    continue
                if kind.startswith("not run"):
                    continue
                n += 1
                name = "%03d" % n
                ext = "properties" if kind == "properties" else "sh"
                with open(os.path.join(out, name + "." + ext), "w") as b:
                    b.write("\n".join(body).rstrip("\n") + "\n")
                mode = "secure" if kind == "run secure" else "plain"
                lst.write("%s %s %s %s\n" % (name, ext, mode, where))
    sys.exit(1 if bad else 0)


main()
