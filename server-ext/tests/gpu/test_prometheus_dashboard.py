"""A real Prometheus scrapes live Workbench servers; NVIDIA's DCGM dashboard queries run on it.

Three Jupyter servers (subprocesses, loopback, random free ports, a base URL, a token) each
replay one real capture (``GPUMonitor.source = "replay"``): a plain GPU (H200), a MIG GPU
(H100 with 4 GPU instances) and a vGPU guest (GRID P4-1Q). Debian's ``/usr/bin/prometheus``
scrapes ``{base_url}workbench/metrics`` of each through Jupyter's auth (the token in the
scrape config's ``authorization``). Then every PromQL query of dcgm-exporter's Grafana
dashboard (tests/fixtures/dcgm-exporter, Apache-2.0) is evaluated through Prometheus' HTTP
API for each server: each must return data, except the ones listed in ``LACKING`` because
the capture does not have the field (and the test checks that it indeed does not).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jupyter_workbench.gpu.model import snapshot_from_tree
from jupyter_workbench.gpu.parse import parse_any

from .gpu_fixtures import GPU_FIXTURES

PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
DASHBOARD = (
    Path(__file__).parent.parent / "fixtures" / "dcgm-exporter" / "dcgm-exporter-dashboard.json"
)
CAPTURES = {
    "plain": GPU_FIXTURES / "nvidia-smi-captures" / "linux-x86_64__nvidia-h200__590.48.01.txt",
    "mig": GPU_FIXTURES / "nvidia-smi-captures" / "linux-x86_64__nvidia-h100-mig__590.48.01.txt",
    "vgpu": GPU_FIXTURES / "nvidia-smi-xml" / "tesla_p4.xml",
}
#: Dashboard metric → (capture → the snapshot field it comes from, which that capture lacks).
#: DCGM_FI_PROF_* are DCGM profiling counters: nvidia-smi and NVML do not report them.
LACKING: dict[str, dict[str, str | None]] = {
    "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE": {"plain": None, "mig": None, "vgpu": None},
    "DCGM_FI_DEV_GPU_UTIL": {"mig": "utilization_gpu_percent"},
    "DCGM_FI_DEV_GPU_TEMP": {"vgpu": "temperature_c"},
    "DCGM_FI_DEV_POWER_USAGE": {"vgpu": "power_w"},
    "DCGM_FI_DEV_SM_CLOCK": {"vgpu": "clocks.sm_mhz"},
}
DEADLINE_S = 90.0

pytestmark = pytest.mark.skipif(
    not os.access(PROMETHEUS, os.X_OK), reason="Debian's prometheus is not installed"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect (to the login page) is an answer, not something to follow


_OPENER = urllib.request.build_opener(_NoRedirect)


def http_get(url: str, headers: dict[str, str] | None = None, timeout: float = 5.0) -> Any:
    request = urllib.request.Request(url, headers=headers or {})
    with _OPENER.open(request, timeout=timeout) as response:
        return response.status, response.read().decode()


def wait_for(what: str, check: Any, procs: list[subprocess.Popen[bytes]], limit: float) -> Any:
    """Poll ``check()`` until it returns something truthy (bounded)."""
    deadline = time.monotonic() + limit
    last: Any = None
    while time.monotonic() < deadline:
        for proc in procs:
            if proc.poll() is not None:
                raise AssertionError(f"{proc.args[0]} exited with {proc.returncode} ({what})")
        try:
            last = check()
            if last:
                return last
        except (OSError, urllib.error.URLError, ValueError) as err:
            last = err
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}: {last!r}")


def start_server(
    name: str, capture: Path, tmp: Path, token: str
) -> tuple[subprocess.Popen[bytes], str]:
    """A live Jupyter server replaying ``capture``; returns it and its metrics URL."""
    home = tmp / name
    config = home / "config"
    config.mkdir(parents=True)
    (home / "runtime").mkdir()
    (config / "jupyter_server_config.json").write_text(
        json.dumps(
            {
                "ServerApp": {
                    # Only what the test needs (faster start on a busy machine).
                    "jpserver_extensions": {
                        "jupyter_workbench": True,
                        "jupyterlab": False,
                        "notebook": False,
                        "notebook_shim": False,
                        "jupyter_lsp": False,
                    },
                    "allow_root": True,
                    "ip": "127.0.0.1",
                    "port": free_port(),
                    "port_retries": 0,
                    "open_browser": False,
                    "base_url": f"/wb-{name}/",
                    "root_dir": str(home),
                },
                "IdentityProvider": {"token": token},
                "WorkbenchApp": {"runtime_dir": str(home / "runtime")},
                "GPUMonitor": {"source": "replay", "replay_file": str(capture), "interval": 0.5},
            }
        )
    )
    port = json.loads((config / "jupyter_server_config.json").read_text())["ServerApp"]["port"]
    env = dict(
        os.environ,
        JUPYTER_CONFIG_DIR=str(config),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
        JUPYTER_DATA_DIR=str(home / "data"),
        JUPYTER_PLATFORM_DIRS="1",
        HOME=str(home),
    )
    log = open(home / "server.log", "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyter_server", "--no-browser"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=home,
    )
    return proc, f"http://127.0.0.1:{port}/wb-{name}/"


def dashboard_queries() -> tuple[list[tuple[str, str]], list[str]]:
    """The dashboard's panel queries (title, expr) and its template-variable queries."""
    board = json.loads(DASHBOARD.read_text())
    panels = [
        (panel.get("title", "?"), target["expr"])
        for panel in board["panels"]
        for target in panel.get("targets", [])
        if target.get("expr")
    ]
    variables = [var["query"] for var in board["templating"]["list"] if var.get("type") == "query"]
    return panels, variables


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Three Workbench servers and one Prometheus scraping them, all torn down after."""
    tmp = tmp_path_factory.mktemp("promstack")
    token = secrets.token_hex(16)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        urls = {}
        for name, capture in CAPTURES.items():
            proc, url = start_server(name, capture, tmp, token)
            procs.append(proc)
            urls[name] = url
        auth = {"Authorization": f"token {token}"}
        for name, url in urls.items():
            wait_for(
                f"{name} server",
                lambda url=url: http_get(f"{url}api/status", auth)[0] == 200,
                procs,
                DEADLINE_S,
            )
            # Jupyter's auth is in force: no token, no metrics (a 403, or the login page).
            with pytest.raises(urllib.error.HTTPError) as refused:
                http_get(f"{url}workbench/metrics")
            assert refused.value.code in (302, 401, 403)
            if refused.value.code == 302:
                assert "/login" in refused.value.headers["Location"]
        prom_port = free_port()
        jobs = []
        for name, url in urls.items():
            parsed = urllib.parse.urlsplit(url)
            jobs.append(
                {
                    "job_name": f"workbench-{name}",
                    "metrics_path": f"{parsed.path}workbench/metrics",
                    "authorization": {"type": "token", "credentials": token},
                    "static_configs": [{"targets": [parsed.netloc], "labels": {"capture": name}}],
                }
            )
        config = {
            "global": {
                "scrape_interval": "1s",
                "scrape_timeout": "1s",
                "evaluation_interval": "1s",
            },
            "scrape_configs": jobs,
        }
        (tmp / "prometheus.yml").write_text(json.dumps(config))  # JSON is YAML
        prom_log = open(tmp / "prometheus.log", "wb")
        prom = subprocess.Popen(
            [
                PROMETHEUS,
                f"--config.file={tmp / 'prometheus.yml'}",
                f"--storage.tsdb.path={tmp / 'tsdb'}",
                f"--web.listen-address=127.0.0.1:{prom_port}",
                "--log.level=warn",
            ],
            stdout=prom_log,
            stderr=subprocess.STDOUT,
            cwd=tmp,
        )
        procs.append(prom)
        api = f"http://127.0.0.1:{prom_port}/api/v1/"

        def query(expr: str) -> list[dict[str, Any]]:
            status, body = http_get(f"{api}query?{urllib.parse.urlencode({'query': expr})}")
            answer = json.loads(body)
            assert status == 200 and answer["status"] == "success", answer
            return list(answer["data"]["result"])

        wait_for(
            "Prometheus",
            lambda: http_get(f"http://127.0.0.1:{prom_port}/-/ready")[0] == 200,
            procs,
            DEADLINE_S,
        )
        # Every target up, and each has been scraped with its GPU series.
        wait_for(
            "three scraped targets",
            lambda: (
                len(query('up{job=~"workbench-.*"} == 1')) == 3
                and len(query("count by (capture) (DCGM_FI_DEV_FB_USED)")) == 3
            ),
            procs,
            DEADLINE_S,
        )
        yield {"query": query, "api": api, "urls": urls, "token": token}
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def expand(expr: str, instance: str, gpus: list[str]) -> str:
    """Grafana's variable expansion: ``$instance``/``$gpu`` as the selected values' regex
    (regex-escaped, then escaped again for PromQL's double-quoted strings)."""

    def promql(value: str) -> str:
        return re.escape(value).replace("\\", "\\\\")

    return expr.replace("$instance", promql(instance)).replace(
        "$gpu", "|".join(promql(g) for g in gpus)
    )


def lacking_field(snapshot: dict[str, Any], field: str) -> bool:
    gpu = snapshot["gpus"][0]
    node: Any = gpu
    for part in field.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node is None and bool(gpu["na"].get(field))


@pytest.mark.parametrize("capture", list(CAPTURES))
def test_every_dashboard_query_returns_data(stack: dict[str, Any], capture: str) -> None:
    query = stack["query"]
    snapshot = snapshot_from_tree(
        parse_any(CAPTURES[capture].read_text(encoding="utf-8", errors="replace")), "file", 0
    )
    instance = urllib.parse.urlsplit(stack["urls"][capture]).netloc
    gpus = sorted(
        {r["metric"]["gpu"] for r in query(f'DCGM_FI_DEV_FB_USED{{capture="{capture}"}}')}
    )
    assert gpus == ["0"]
    panels, variables = dashboard_queries()
    assert len(panels) == 8 and len(variables) == 2
    returned, lacking = [], []
    for title, expr in panels:
        metric = re.search(r"(DCGM_FI_[A-Z_]+)", expr).group(1)  # type: ignore[union-attr]
        result = query(expand(expr, instance, gpus))
        why = LACKING.get(metric, {})
        if capture in why:
            field = why[capture]
            assert result == [], f"{title}: listed as lacking but returned {result}"
            if field is not None:  # the capture really does not have it, with a reason
                assert lacking_field(snapshot, field), f"{title}: {field} is not N/A"
            lacking.append(title)
            continue
        assert result, f"{title} ({expr}) returned no data for the {capture} capture"
        returned.append(title)
    # The dashboard's own numbers are the capture's.
    gpu = snapshot["gpus"][0]
    if gpu["power_w"] is not None:
        total = float(query(expand(panels[3][1], instance, gpus))[0]["value"][1])
        if gpu["mig"]["enabled"]:
            # As with dcgm-exporter, a device-wide reading repeats on every GPU instance's
            # series, so the dashboard's "GPU Power Total" sums it once per instance (docs/
            # admin: use max by (UUID) on MIG GPUs, which gives the GPU's own figure).
            instances = {d["gpu_instance_id"] for d in gpu["mig"]["devices"]}
            assert total == pytest.approx(gpu["power_w"] * len(instances))
            one = query(
                expand(
                    'max by (UUID) (DCGM_FI_DEV_POWER_USAGE{instance=~"$instance"})', instance, gpus
                )
            )
            assert float(one[0]["value"][1]) == gpu["power_w"]
        else:
            assert total == gpu["power_w"]
    used = query(
        expand('sum(DCGM_FI_DEV_FB_USED{instance=~"$instance", gpu=~"$gpu"})', instance, gpus)
    )
    if gpu["mig"]["enabled"]:  # per GPU instance, no whole-GPU series: summed once
        assert float(used[0]["value"][1]) == sum(
            d["memory_used_mib"] for d in gpu["mig"]["devices"]
        )
    else:
        assert float(used[0]["value"][1]) == gpu["memory"]["used_mib"]
    assert returned, "no dashboard query returned data"


def test_template_variables_list_the_servers(stack: dict[str, Any]) -> None:
    """``label_values(DCGM_FI_DEV_GPU_TEMP, instance|gpu)`` through the label-values API.

    The vGPU guest has no temperature (the host owns it), so, as with dcgm-exporter on such
    a guest, the dashboard's instance picker does not list it; its panels still work when
    the instance is chosen by hand (see test_every_dashboard_query_returns_data).
    """
    _, variables = dashboard_queries()
    urls = stack["urls"]
    for variable in variables:
        match = re.fullmatch(r"label_values\((\w+),\s*(\w+)\)", variable)
        assert match, variable
        metric, label = match.groups()
        url = f"{stack['api']}label/{label}/values?{urllib.parse.urlencode({'match[]': metric})}"
        values = json.loads(http_get(url)[1])["data"]
        if label == "instance":
            expected = {urllib.parse.urlsplit(urls[n]).netloc for n in ("plain", "mig")}
            assert set(values) == expected
        else:
            assert values == ["0"]
