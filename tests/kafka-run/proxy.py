#!/usr/bin/env python3
"""A forward HTTP proxy on loopback, for tests: requests for HOST (a name
that does not resolve) go to 127.0.0.1:PORT, every other request to the
host it names. Each request is logged to DIR/proxy.log; DIR/proxy.port is
written once it listens.
Usage: proxy.py DIR HOST PORT
"""
import http.client, http.server, os, sys, threading, time, urllib.parse

DIR, HOST, PORT = sys.argv[1], sys.argv[2], int(sys.argv[3])


class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        with open(os.path.join(DIR, "proxy.log"), "a") as f:
            f.write("%s %s\n" % (self.command, url.netloc))
        host, port = (("127.0.0.1", PORT) if url.hostname == HOST
                      else (url.hostname, url.port or 80))
        conn = http.client.HTTPConnection(host, port, timeout=30)
        headers = {k: v for k, v in self.headers.items() if k.lower() != "proxy-connection"}
        conn.request(self.command, url.path + ("?" + url.query if url.query else ""),
                     headers=headers)
        resp = conn.getresponse()
        body = resp.read()
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in ("content-length", "transfer-encoding", "connection"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        conn.close()

    do_HEAD = do_GET


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
threading.Thread(target=srv.serve_forever, daemon=True).start()
with open(os.path.join(DIR, "proxy.port.tmp"), "w") as f:
    f.write("%d\n" % srv.server_address[1])
os.rename(os.path.join(DIR, "proxy.port.tmp"), os.path.join(DIR, "proxy.port"))
time.sleep(600)  # never outlives a test run
