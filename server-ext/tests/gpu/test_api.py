"""The GPU API through a real Jupyter server replaying a real capture (source=replay).

No ``replay_file`` is set: the server replays the capture shipped in the package, as a
pip-installed demo does.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import subprocess

import pytest
from tornado.httpclient import HTTPClientError

from ..wire import validate
from .gpu_fixtures import GPU_FIXTURES

CAPTURE = GPU_FIXTURES / "nvidia-smi-captures" / "linux-x86_64__nvidia-h100-mig__590.48.01.txt"


@pytest.fixture
def jp_server_config(jp_server_config):
    jp_server_config["GPUMonitor"] = {"source": "replay", "interval": 0.5}
    return jp_server_config


def monitor(jp_serverapp):
    app = next(iter(jp_serverapp.extension_manager.extension_apps["jupyter_workbench"]))
    return app.gpu.monitor


async def get_json(jp_fetch, *parts, **kwargs):
    response = await jp_fetch(*parts, **kwargs)
    return json.loads(response.body)


async def test_snapshot_and_history(jp_fetch):
    snap = await get_json(jp_fetch, "workbench", "api", "gpu", "snapshot")
    assert snap["source"] == "replay" and snap["status"] == "ok"
    assert snap["replay_of"] == CAPTURE.name  # the packaged copy of this fixture
    gpu = snap["gpus"][0]
    assert gpu["name"] == "NVIDIA H100 80GB HBM3"
    assert gpu["mig"]["enabled"] and len(gpu["mig"]["devices"]) == 4
    assert gpu["health"]["verdict"] == "ok"
    await asyncio.sleep(1.2)
    history = await get_json(jp_fetch, "workbench", "api", "gpu", "history")
    series = history["gpus"][gpu["uuid"]]
    assert len(series["t"]) >= 2
    assert series["memory_used_mib"][-1] == 11125
    assert series["utilization_gpu_percent"][-1] is None  # MIG: N/A, not 0


async def test_bad_input_gets_4xx_json(jp_fetch):
    for parts, kwargs, status in [
        (("workbench", "api", "gpu", "history"), {"params": {"window": "7d"}}, 400),
        (("workbench", "api", "gpu", "checks", "nope"), {"method": "POST", "body": ""}, 404),
        (("workbench", "api", "gpu", "checks", "cuda"), {"method": "POST", "body": "[}"}, 400),
    ]:
        with pytest.raises(HTTPClientError) as info:
            await jp_fetch(*parts, **kwargs)
        assert info.value.code == status
        assert json.loads(info.value.response.body)["error"]["message"]


@pytest.mark.parametrize(
    ("method", "parts"),
    [
        ("GET", ("workbench", "api", "gpu", "snapshot")),
        ("GET", ("workbench", "api", "gpu", "history")),
        ("POST", ("workbench", "api", "gpu", "checks", "cuda")),
        ("GET", ("workbench", "metrics")),
    ],
)
async def test_routes_require_auth(jp_fetch, method, parts):
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch(
            *parts,
            method=method,
            body="{}" if method == "POST" else None,
            headers={"Authorization": ""},
            follow_redirects=False,
        )
    assert info.value.code in {302, 401, 403}


async def test_stream_requires_auth(jp_ws_fetch):
    with pytest.raises(HTTPClientError) as info:
        await jp_ws_fetch("workbench", "api", "gpu", "stream", headers={"Authorization": ""})
    assert info.value.code in {401, 403}


async def test_one_sampler_serves_200_subscribers(jp_ws_fetch, jp_serverapp, monkeypatch):
    encodes = []
    real_dumps = json.dumps

    def counting_dumps(obj, *args, **kwargs):
        encodes.append(1)
        return real_dumps(obj, *args, **kwargs)

    monkeypatch.setattr(json, "dumps", counting_dumps)  # every json.dumps in the process
    clients = [await jp_ws_fetch("workbench", "api", "gpu", "stream") for _ in range(200)]
    try:
        mon = monitor(jp_serverapp)
        assert mon.subscriber_count == 200
        first = [json.loads(await c.read_message()) for c in clients]
        assert all(m["type"] == "snapshot" and m["data"]["gpus"] for m in first)
        cycles = mon.cycles
        encodes.clear()
        await asyncio.sleep(1.6)
        # Every client got the next samples, from the one sampler (not one loop per client).
        for client in clients:
            message = json.loads(await asyncio.wait_for(client.read_message(), 3))
            assert message["type"] == "snapshot"
        new_cycles = mon.cycles - cycles
        assert 2 <= new_cycles <= 5, new_cycles
        # Each sample is JSON-encoded once for all 200 subscribers, not once per subscriber.
        assert len(encodes) <= new_cycles + 1, (len(encodes), new_cycles)
        threads = [
            t for t in __import__("threading").enumerate() if t.name == "workbench-gpu-sampler"
        ]
        assert len(threads) == 1
    finally:
        for client in clients:
            client.close()
    await asyncio.sleep(0.3)
    assert monitor(jp_serverapp).subscriber_count == 0


async def test_stream_pause_and_resume(jp_ws_fetch):
    # Server messages are validated by tests/conftest.py; the client's are checked here.
    client = await jp_ws_fetch("workbench", "api", "gpu", "stream")
    try:
        first = json.loads(await client.read_message())
        assert first["type"] == "snapshot"
        await client.write_message(json.dumps(validate({"type": "pause"}, "gpu-stream-control")))
        with contextlib.suppress(asyncio.TimeoutError):  # a sample already on its way
            while True:
                await asyncio.wait_for(client.read_message(), 0.3)
        with pytest.raises(asyncio.TimeoutError):  # paused: no sample for 3 intervals
            await asyncio.wait_for(client.read_message(), 1.5)
        await client.write_message(json.dumps(validate({"type": "resume"}, "gpu-stream-control")))
        message = json.loads(await asyncio.wait_for(client.read_message(), 1.0))
        assert message["type"] == "snapshot" and message["data"]["gpus"]
    finally:
        client.close()


async def test_checks(jp_fetch):
    cuda = await get_json(
        jp_fetch, "workbench", "api", "gpu", "checks", "cuda", method="POST", body=""
    )
    assert cuda["check"] == "cuda"
    if shutil.which("nvidia-smi") is None:
        assert cuda["ok"] is False and "libcuda" in cuda["summary"]
    opengl = await get_json(
        jp_fetch, "workbench", "api", "gpu", "checks", "opengl", method="POST", body="{}"
    )
    assert opengl["check"] == "opengl" and opengl["ok"] is True
    assert opengl["source"] == "throwaway-xvnc"
    assert opengl["accelerated"] is False and "llvmpipe" in opengl["renderer"]


async def test_metrics_are_valid_prometheus(jp_fetch, tmp_path):
    response = await jp_fetch("workbench", "metrics")
    text = response.body.decode()
    assert response.headers["Content-Type"].startswith("text/plain")
    assert 'DCGM_FI_DEV_FB_USED{gpu="0"' in text
    assert "DCGM_FI_DEV_GPU_UTIL" not in text  # N/A under MIG: no series, no fake zero
    assert 'GPU_I_PROFILE="3g.40gb"' in text
    promtool = shutil.which("promtool")
    assert promtool, "promtool (Debian package prometheus) is required"
    proc = subprocess.run(
        [promtool, "check", "metrics"], input=text.encode(), capture_output=True, check=False
    )
    report = (proc.stdout + proc.stderr).decode()
    # The text must parse; the only lint notes allowed are those dcgm-exporter's own names
    # and labels (which we keep for dashboard compatibility) always get.
    assert "parsing error" not in report, report
    accepted = (
        "label names should be written in 'snake_case'",
        'should have "_total" suffix',
        "metric name should not include type 'counter'",
    )
    for line in filter(None, report.splitlines()):
        assert any(note in line for note in accepted), line
