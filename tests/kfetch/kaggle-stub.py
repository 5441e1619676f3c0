#!/usr/bin/env python3
"""A stand-in for Kaggle's download API and its storage, on loopback only.

The API (127.0.0.1) answers /api/v1/datasets/download/OWNER/SLUG with a
redirect to the storage host (127.0.0.2), as Kaggle does with Google Cloud
Storage; /api/v1/datasets/download/OWNER/SLUG/FILE (FILE percent-encoded),
Kaggle's per-file route, the same for DIR/files/FILE, 404 when there is no
such file. OWNER names the scenario a test wants. Every request is logged as
one JSON line to DIR/log, including whether an Authorization header came.
Usage: kaggle-stub.py DIR   (serves DIR/data.zip; writes DIR/ports)
"""
import base64, hashlib, http.server, json, os, sys, threading, time, urllib.parse, zlib

DIR = sys.argv[1]
DATA = open(os.path.join(DIR, "data.zip"), "rb").read()
ETAG = '"v1-%s"' % hashlib.md5(DATA).hexdigest()[:12]
LAST_MODIFIED = "Tue, 01 Sep 2026 10:00:00 GMT"
COUNTS = {}
LOCK = threading.Lock()
storage_port = None


def crc32c_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


CRC_TABLE = crc32c_table()


def crc32c(data):
    # A byte at a time through a table: about 1.4 s for 8 MB in CPython,
    # so it runs after the ports file is written (crc_b64), not before.
    crc, t = 0xFFFFFFFF, CRC_TABLE
    for b in data:
        crc = t[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


assert crc32c(b"123456789") == 0xE3069283   # RFC 3720's check value
CRC = None
CRC_LOCK = threading.Lock()


def crc_b64():
    """DATA's CRC32C for x-goog-hash, computed once, by whoever asks first."""
    global CRC
    with CRC_LOCK:
        if CRC is None:
            CRC = base64.b64encode(crc32c(DATA).to_bytes(4, "big")).decode()
        return CRC


MD5 = base64.b64encode(hashlib.md5(DATA).digest()).decode()
BAD_MD5 = base64.b64encode(hashlib.md5(b"other").digest()).decode()
BAD_CRC = base64.b64encode(crc32c(b"other").to_bytes(4, "big")).decode()


def file_body(quoted):
    """DIR/files/NAME for the per-file route (NAME percent-encoded), or None."""
    name = urllib.parse.unquote(quoted)
    path = os.path.join(DIR, "files", name)
    if any(seg in ("", ".", "..") for seg in name.split("/")) or not os.path.isfile(path):
        return None
    return open(path, "rb").read()


def served(path):
    """The body a storage path names, its ETag, MD5 and CRC32C (base64)."""
    segs = path.split("?")[0].split("/")
    if len(segs) == 5 and segs[3] == "files":
        data = file_body(segs[4]) or b""
        crc = base64.b64encode(crc32c(data).to_bytes(4, "big")).decode()
        return (data, '"f-%s"' % hashlib.md5(data).hexdigest()[:12],
                base64.b64encode(hashlib.md5(data).digest()).decode(), crc)
    return DATA, ETAG, MD5, crc_b64()


def count(key):
    with LOCK:
        COUNTS[key] = COUNTS.get(key, 0) + 1
        return COUNTS[key]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def log(self, role):
        entry = {"role": role, "path": self.path,
                 "auth": self.headers.get("Authorization"),
                 "range": self.headers.get("Range"),
                 "if_none_match": self.headers.get("If-None-Match")}
        with LOCK, open(os.path.join(DIR, "log"), "a") as f:
            f.write(json.dumps(entry) + "\n")

    def status(self, code, headers=(), body=b""):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.server.role == "api":
            self.api()
        else:
            self.storage()

    def api(self):
        self.log("api")
        parts = self.path.split("?")[0].split("/")
        if parts[1:5] != ["api", "v1", "datasets", "download"] or len(parts) not in (7, 8):
            return self.status(404, body=b'{"message":"not found"}')
        owner = parts[5]
        n = count("api-" + owner)
        auth = self.headers.get("Authorization")
        if owner == "basic" and auth != "Basic " + base64.b64encode(b"alice:s3cr3t-key").decode():
            return self.status(401, body=b'{"message":"Unauthenticated"}')
        if owner == "bearer" and auth != "Bearer tok-S3CRET":
            return self.status(401, body=b'{"message":"Unauthenticated"}')
        if owner.startswith("s") and owner[1:].isdigit():
            return self.status(int(owner[1:]), body=b'{"message":"no"}')
        if owner == "busy" and n == 1:
            return self.status(429, [("Retry-After", "1")])
        if owner == "flaky" and n <= 2:
            return self.status(500 if n == 1 else 503)
        if owner == "down":
            return self.status(503)
        what = "data.zip"
        if len(parts) == 8:
            if file_body(parts[7]) is None:
                return self.status(404, body=b'{"message":"file not found"}')
            what = "files/" + parts[7]
        loc = "http://127.0.0.2:%d/storage/%s/%s?X-Goog-Signature=SIGNED-SECRET" % (storage_port, owner, what)
        self.status(302, [("Location", loc)])

    def storage(self):
        self.log("storage")
        owner = self.path.split("/")[2]
        n = count("storage-" + owner)
        data, etag, md5, crc = served(self.path)
        if self.headers.get("If-None-Match") == etag:
            return self.status(304, [("ETag", etag)])
        if owner == "html":     # a login page where the zip should be
            return self.status(200, [("Content-Type", "text/html; charset=utf-8")],
                               b"<!DOCTYPE html><html><body>Sign in</body></html>")
        start = 0
        rng = self.headers.get("Range")
        if rng and not owner.startswith("norange") and self.headers.get("If-Range") in (etag, LAST_MODIFIED):
            start = int(rng.split("=")[1].split("-")[0])
        body = data[start:]
        self.send_response(206 if start else 200)
        self.send_header("Content-Length", str(len(body)))
        if start:
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, len(data) - 1, len(data)))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", LAST_MODIFIED)
        self.send_header("x-goog-hash", "crc32c=" + (BAD_CRC if owner == "crcbad" else crc))
        self.send_header("x-goog-hash", "md5=" + (BAD_MD5 if owner == "md5bad" else md5))
        self.end_headers()
        cut = None
        if owner.startswith(("cut", "norange")) and n == 1:
            cut = len(body) // 2
        if owner == "short":
            cut = max(len(body) - 10, 0)
        if cut is not None:
            self.wfile.write(body[:cut])
            self.wfile.flush()
            self.close_connection = True
            return
        if owner.startswith("pause") and n == 1:
            # Half now, the rest once the test creates DIR/go-OWNER.
            self.wfile.write(body[:len(body) // 2])
            self.wfile.flush()
            deadline = time.time() + 60
            while not os.path.exists(os.path.join(DIR, "go-" + owner)) and time.time() < deadline:
                time.sleep(0.05)
            body = body[len(body) // 2:]
        self.wfile.write(body)


class Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # A client that hangs up mid-body is what some tests do.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def serve(host, role):
    srv = Server((host, 0), Handler)
    srv.role = role
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv.server_address[1]


storage_port = serve("127.0.0.2", "storage")
api_port = serve("127.0.0.1", "api")
with open(os.path.join(DIR, "ports.tmp"), "w") as f:
    f.write("%d %d\n" % (api_port, storage_port))
os.rename(os.path.join(DIR, "ports.tmp"), os.path.join(DIR, "ports"))
threading.Thread(target=crc_b64, daemon=True).start()   # ready by the first download, usually
deadline = time.time() + 600        # never outlives a test run
while time.time() < deadline and os.path.exists(os.path.join(DIR, "data.zip")):
    time.sleep(0.2)
