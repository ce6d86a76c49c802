"""jupyter-server-proxy's generic ``proxy/<port>/`` routes: off by default, a switch turns them on.

jupyter-server-proxy's server extension is loaded here too (it registers those routes
whenever it is), so these tests show the Workbench's handlers win over its own.
"""

from __future__ import annotations

import http.server
import json
import threading
import time

import pytest

ROUTES = (
    "proxy/{port}/hello",
    "proxy/absolute/{port}/hello",
    "proxy/127.0.0.1:{port}/hello",
    "proxy/absolute/localhost:{port}/hello",
)


class _Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = f"loopback app path={self.path}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def loopback_app():
    """A small HTTP app on 127.0.0.1 (an ephemeral port): someone else's service."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.fixture
def allow_port_proxy() -> bool:
    return False


@pytest.fixture
def jp_server_config(tmp_path, allow_port_proxy):
    runtime = tmp_path / "rt"
    runtime.mkdir()
    return {
        "ServerApp": {
            "jpserver_extensions": {"jupyter_server_proxy": True, "jupyter_workbench": True}
        },
        "WorkbenchApp": {"runtime_dir": str(runtime), "allow_port_proxy": allow_port_proxy},
    }


@pytest.fixture
def get(http_server_client, jp_base_url, jp_auth_header):
    """GET ``{base_url}route`` as written (jp_fetch would escape the ``:`` of host:port)."""

    async def fetch(route: str, headers: dict | None = None):
        return await http_server_client.fetch(
            f"{jp_base_url}{route}",
            headers={**jp_auth_header, **(headers or {})},
            raise_error=False,
            follow_redirects=False,
        )

    return fetch


async def test_jupyter_server_proxy_is_loaded(jp_serverapp):
    assert "jupyter_server_proxy" in jp_serverapp.extension_manager.extensions


@pytest.mark.parametrize("route", ROUTES)
async def test_port_proxy_is_off_by_default(get, loopback_app, route):
    response = await get(route.format(port=loopback_app))
    assert response.code == 404, response.body[:300]
    message = json.loads(response.body)["error"]["message"]
    assert "allow_port_proxy" in message
    assert b"loopback app" not in response.body


async def test_port_proxy_off_still_requires_auth(get, loopback_app):
    response = await get(f"proxy/{loopback_app}/hello", headers={"Authorization": "token wrong"})
    assert response.code in {302, 403}


async def test_port_proxy_off_refuses_websockets(jp_ws_fetch, loopback_app):
    from tornado.httpclient import HTTPClientError

    with pytest.raises(HTTPClientError) as info:
        await jp_ws_fetch("proxy", str(loopback_app), "ws")
    assert info.value.code == 404


async def test_self_loop_refused_when_off(get, jp_http_port, jp_base_url):
    started = time.monotonic()
    response = await get(f"proxy/absolute/{jp_http_port}{jp_base_url}api/status")
    assert response.code == 404
    assert time.monotonic() - started < 2


@pytest.mark.parametrize("allow_port_proxy", [True])
@pytest.mark.parametrize("route", ROUTES)
async def test_port_proxy_on_proxies(get, loopback_app, route):
    response = await get(route.format(port=loopback_app))
    assert response.code == 200, response.body[:300]
    assert b"loopback app path=" in response.body


@pytest.mark.parametrize("allow_port_proxy", [True])
@pytest.mark.parametrize(
    "route",
    [
        "proxy/absolute/{port}{base}api/status",
        "proxy/{port}/api/status",
        "proxy/absolute/127.0.0.1:{port}{base}api/status",
        "proxy/localhost:{port}/api/status",
    ],
)
async def test_self_loop_refused_at_once_when_on(get, jp_http_port, jp_base_url, route):
    rss_before = _rss_kib()
    started = time.monotonic()
    response = await get(route.format(port=jp_http_port, base=jp_base_url))
    assert response.code == 403, response.body[:300]
    assert "own port" in json.loads(response.body)["error"]["message"]
    assert time.monotonic() - started < 2
    assert _rss_kib() - rss_before < 50 * 1024


@pytest.mark.parametrize("allow_port_proxy", [True])
async def test_port_proxy_on_still_requires_auth(get, loopback_app):
    response = await get(f"proxy/{loopback_app}/hello", headers={"Authorization": "token wrong"})
    assert response.code in {302, 403}
    assert b"loopback app" not in response.body


def _rss_kib() -> int:
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0
