"""A tiny WebSocket backend for tests, on a unix socket, that offers permessage-deflate.

Usage: wsbackend.py SOCKET

``GET /`` answers 200 (readiness). A WebSocket at ``/ws`` first sends, as JSON, the
``Sec-WebSocket-Extensions`` header its handshake received (``null`` when none) and
whether compression was negotiated, then echoes every message.
"""

import asyncio
import json
import sys

from tornado import httpserver, netutil, web, websocket


class Ready(web.RequestHandler):
    def get(self):
        self.write("ready")


class Echo(websocket.WebSocketHandler):
    def get_compression_options(self):
        return {}  # accept permessage-deflate whenever the client offers it

    def open(self):
        offered = self.request.headers.get("Sec-WebSocket-Extensions")
        negotiated = bool(self.ws_connection and self.ws_connection._compressor)
        self.write_message(json.dumps({"extensions": offered, "deflate": negotiated}))

    def on_message(self, message):
        self.write_message(message, binary=isinstance(message, bytes))


async def main(path):
    app = web.Application([(r"/", Ready), (r"/ready", Ready), (r"/ws", Echo)])
    server = httpserver.HTTPServer(app)
    server.add_socket(netutil.bind_unix_socket(path, mode=0o600))
    print("wsbackend ready", flush=True)
    await asyncio.Event().wait()


asyncio.run(main(sys.argv[1]))
