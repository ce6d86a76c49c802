"""A tiny web app for tests: serves HTTP on a unix socket, with knobs for misbehaviour.

Usage: webapp.py SOCKET [--ready-after S] [--crash-after S] [--exit-after S]
                        [--ignore-term] [--flood N] [--prefix P] [--title T]
"""

import argparse
import http.server
import os
import signal
import socketserver
import sys
import threading
import time

parser = argparse.ArgumentParser()
parser.add_argument("socket")
parser.add_argument("--ready-after", type=float, default=0.0)
parser.add_argument("--crash-after", type=float, default=None)
parser.add_argument("--exit-after", type=float, default=None)
parser.add_argument("--ignore-term", action="store_true")
parser.add_argument("--flood", type=int, default=0)
parser.add_argument("--spawn-child", action="store_true")
parser.add_argument("--title", default="Workbench test app")
args = parser.parse_args()

print(f"webapp pid {os.getpid()} starting", flush=True)
if args.ignore_term:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    print("ignoring SIGTERM", flush=True)
if args.spawn_child:
    import subprocess

    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3600)"])
    print(f"child pid {child.pid}", flush=True)
for i in range(args.flood):
    print(f"flood line {i} " + "x" * 80)
sys.stdout.flush()
time.sleep(args.ready_after)


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = (
            f"<!doctype html><html><head><title>{args.title}</title></head>"
            f"<body><h1 id='greeting'>{args.title}</h1><p>path={self.path}</p></body></html>"
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_PATCH(self):
        self._echo()

    def do_DELETE(self):
        self._echo()

    def _echo(self):
        length = int(self.headers.get("Content-Length") or 0)
        content = self.rfile.read(length) if length else b""
        body = f"method={self.command} body={len(content)}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *a):
        print("request " + fmt % a, flush=True)

    def address_string(self):
        return "unix"


class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


server = Server(args.socket, Handler)
print("webapp ready", flush=True)

if args.crash_after is not None:
    threading.Timer(args.crash_after, lambda: os._exit(3)).start()
if args.exit_after is not None:
    threading.Timer(args.exit_after, lambda: os._exit(0)).start()
server.serve_forever()
