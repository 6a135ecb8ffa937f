#!/usr/bin/env python3
"""Hostile HTTPS x5u server for the stirprobe verification tests (loopback only).

Plays hostile.stirprobe.test for tests/verify.sh (started by
tests/tools/x5u-servers.sh).  Python 3 standard library only.

  /redirect-other.pem  302 to https://evil.invalid/sp-a.pem (another host)
  /redirect-cross.pem  302 to https://certs.stirprobe.test/sp-a.pem (another host
                       that WOULD serve a good chain: following it is the bug)
  /redirect-same.pem   302 to /sp-a.pem on this host (allowed)
  /sp-a.pem            200, the sp-a chain (target of redirect-same)
  /big.pem             200, 10 MiB: the sp-a chain, then padding lines (a verifier
                       without a size cap would find a good certificate in it)
  /slow.pem            200, the sp-a chain dripped one byte per second; gives up
                       after 60 s; logs when the client hangs up
  /not-a-cert.pem      200, garbage (including a PEM block that is not base64)
  /redirect-loopback.pem  302 to https://127.0.0.1:PORT/sp-a.pem (this server, by address)
  /redirect-localhost.pem 302 to https://localhost:PORT/sp-a.pem (a name for loopback)
  /redirect-file.pem   302 to file:///etc/passwd
  /chain100.pem        200, 100 certificates: the sp-a chain, then its last certificate
                       98 more times (over the 64 KiB body cap)
  /chain9.pem          200, 9 certificates the same way (under the body cap, over the
                       8-certificate chain cap)
  anything else        404

Every request line goes to the log ("GET /path" per line, with a timestamp),
so a test can count fetches per path; the slow path adds a line
"slow.pem: client closed after S s (N bytes sent)" or "... gave up after 60 s".
The chosen port is written to --port-file once the socket listens.
"""
import argparse
import os
import select
import socket
import socketserver
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

BIG = 10 * 1024 * 1024
SLOW_LIMIT = 60.0
LIFETIME = 900.0  # never outlive a forgotten test run by more than this

log_lock = threading.Lock()
log_file = None


def log(msg):
    with log_lock:
        log_file.write("%.3f %s\n" % (time.time(), msg))
        log_file.flush()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    server_version = "hostile-x5u"
    sys_version = ""

    def setup(self):
        try:
            self.request.do_handshake()
        except (OSError, ssl.SSLError) as e:
            log("TLS handshake failed: %s" % e)
            raise
        super().setup()

    def log_message(self, fmt, *args):  # keep stderr quiet; requests are logged below
        pass

    def head(self, code, ctype=None, length=None, extra=()):
        self.send_response(code)
        if ctype:
            self.send_header("Content-Type", ctype)
        if length is not None:
            self.send_header("Content-Length", str(length))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()

    def do_GET(self):
        log("GET %s" % self.path)
        chain = self.server.chain
        p = self.path
        try:
            if p == "/redirect-other.pem":
                self.head(302, length=0, extra=[("Location", "https://evil.invalid/sp-a.pem")])
            elif p == "/redirect-cross.pem":
                self.head(302, length=0, extra=[("Location", "https://certs.stirprobe.test/sp-a.pem")])
            elif p in ("/redirect-loopback.pem", "/redirect-localhost.pem"):
                host = "127.0.0.1" if "loopback" in p else "localhost"
                self.head(302, length=0, extra=[("Location", "https://%s:%d/sp-a.pem"
                                                 % (host, self.server.server_address[1]))])
            elif p == "/redirect-file.pem":
                self.head(302, length=0, extra=[("Location", "file:///etc/passwd")])
            elif p in ("/chain100.pem", "/chain9.pem"):
                last = chain[chain.rindex(b"-----BEGIN CERTIFICATE-----"):]
                body = chain + last * ((100 if "100" in p else 9) - chain.count(b"-----BEGIN CERTIFICATE-----"))
                self.head(200, "application/pem-certificate-chain", len(body))
                self.wfile.write(body)
            elif p == "/redirect-same.pem":
                self.head(302, length=0, extra=[("Location", "/sp-a.pem")])
            elif p == "/sp-a.pem":
                self.head(200, "application/pem-certificate-chain", len(chain),
                          [("Cache-Control", "max-age=86400")])
                self.wfile.write(chain)
            elif p == "/big.pem":
                self.big(chain)
            elif p == "/slow.pem":
                self.slow(chain)
            elif p == "/not-a-cert.pem":
                body = (b"this is not a certificate\n"
                        b"-----BEGIN CERTIFICATE-----\n"
                        b"!!not*base64**at*all!!\n"
                        b"-----END CERTIFICATE-----\n" + bytes(range(256)))
                self.head(200, "application/pem-certificate-chain", len(body))
                self.wfile.write(body)
            else:
                body = b"not found\n"
                self.head(404, "text/plain", len(body))
                self.wfile.write(body)
        except (OSError, ssl.SSLError) as e:
            log("%s: connection ended while sending: %s" % (p.lstrip("/"), e))

    def big(self, chain):
        self.head(200, "application/pem-certificate-chain", BIG)
        sent = 0
        self.wfile.write(chain)
        sent += len(chain)
        line = b"# padding padding padding padding padding padding padding padding\n"
        block = line * (65536 // len(line))
        try:
            while sent < BIG:
                chunk = block[: BIG - sent]
                self.wfile.write(chunk)
                sent += len(chunk)
            self.wfile.flush()
            log("big.pem: all %d bytes sent" % sent)
        except (OSError, ssl.SSLError):
            log("big.pem: client closed after %d bytes sent" % sent)

    def slow(self, chain):
        self.head(200, "application/pem-certificate-chain", len(chain))
        self.wfile.flush()
        start = time.monotonic()
        sent = 0
        sock = self.request
        while True:
            elapsed = time.monotonic() - start
            if elapsed >= SLOW_LIMIT or sent >= len(chain):
                log("slow.pem: gave up after %.1f s (%d bytes sent)" % (elapsed, sent))
                return
            try:
                sock.sendall(chain[sent:sent + 1])
                sent += 1
                r, _, _ = select.select([sock], [], [], 1.0)
                if r:
                    sock.setblocking(False)
                    try:
                        data = sock.recv(1)
                    except ssl.SSLWantReadError:
                        data = b"?"  # a partial TLS record: not a hang-up
                    finally:
                        sock.setblocking(True)
                    if not data:
                        raise ConnectionResetError("EOF")
            except (OSError, ssl.SSLError):
                log("slow.pem: client closed after %.1f s (%d bytes sent)"
                    % (time.monotonic() - start, sent))
                return


class Server(socketserver.ThreadingMixIn, HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def get_request(self):
        sock, addr = self.socket.accept()
        sock.settimeout(70)
        return self.ctx.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), addr

    def handle_error(self, request, client_address):
        log("error: %s" % (sys.exc_info()[1],))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--chain", required=True, help="PEM chain served for sp-a.pem")
    ap.add_argument("--port", type=int, default=0, help="0: any free port")
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    a = ap.parse_args()

    global log_file
    log_file = open(a.log, "a", encoding="utf-8")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    srv = Server(("127.0.0.1", a.port), Handler)
    srv.ctx = ctx
    with open(a.chain, "rb") as f:
        srv.chain = f.read()
    port = srv.server_address[1]
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.replace(tmp, a.port_file)
    log("listening on 127.0.0.1:%d" % port)
    t = threading.Timer(LIFETIME, lambda: os._exit(0))
    t.daemon = True
    t.start()
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
