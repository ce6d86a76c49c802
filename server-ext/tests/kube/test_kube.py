"""KubeSpawner recipes, offline with the real (pinned) KubeSpawner and real schemas."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import jsonschema
import pytest
import yaml

from jupyter_workbench.kubespawner.catalogue import CatalogueError, load_catalogue, validate
from jupyter_workbench.kubespawner.cli import main as kube_main
from jupyter_workbench.kubespawner.cli import values_snippet
from jupyter_workbench.kubespawner.profiles import SIDECAR, X11_VOLUME, build_profile_list
from jupyter_workbench.kubespawner.xorg import xorg_bus_id, xorg_conf

from ..conftest import shared_dir

REPO = Path(__file__).resolve().parents[3]
EXAMPLE = REPO / "deploy" / "catalogue.example.yaml"
K8S = shared_dir() / "fixtures" / "k8s"
KUBECONFIG = """apiVersion: v1
kind: Config
clusters: [{name: dummy, cluster: {server: "https://127.0.0.1:6443"}}]
users: [{name: dummy, user: {token: dummy}}]
contexts: [{name: dummy, context: {cluster: dummy, user: dummy, namespace: jhub}}]
current-context: dummy
"""


def test_importing_the_package_does_not_import_kubespawner():
    code = "import sys, jupyter_workbench.kubespawner.profiles, jupyter_workbench.kubespawner.cli;"
    code += "assert 'kubespawner' not in sys.modules, 'imported'"
    subprocess.run([__import__("sys").executable, "-c", code], check=True)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"gpus": []}, "at least one"),
        ({"gpus": [{"slug": "x", "display_name": "X", "resource": "amd.com/gpu"}]}, "resource"),
        ({"gpus": [{"slug": "X!", "display_name": "X"}]}, "slug"),
        ({"gpus": [{"slug": "x", "display_name": "X", "rendering": "egl"}]}, "needs a GPU"),
        (
            {
                "gpus": [
                    {
                        "slug": "x",
                        "display_name": "X",
                        "resource": "nvidia.com/gpu",
                        "rendering": "sidecar",
                    }
                ],
                "sidecar_image": None,
            },
            "sidecar_image",
        ),
    ],
)
def test_bad_catalogues_are_explained(change, message):
    data = yaml.safe_load(EXAMPLE.read_text())
    data.update(change)
    with pytest.raises(CatalogueError, match=message):
        validate(data)


def test_bus_id_conversion():
    assert xorg_bus_id("00000000:3B:00.0") == "PCI:59@0:0:0"
    assert xorg_bus_id("00000001:AF:1F.7") == "PCI:175@1:31:7"
    assert xorg_bus_id("0000:00:1E.0") == "PCI:0@0:30:0"
    assert xorg_bus_id("3b:00.1") == "PCI:59@0:0:1"
    with pytest.raises(ValueError):
        xorg_bus_id("GPU-1234")


def test_xorg_conf_golden():
    conf = xorg_conf("00000000:3B:00.0")
    assert 'BusID "PCI:59@0:0:0"' in conf
    assert 'Option "UseDisplayDevice" "none"' in conf
    assert 'Option "AllowEmptyInitialConfiguration" "true"' in conf
    assert 'Option "DontVTSwitch" "true"' in conf and 'Driver "nvidia"' in conf


@pytest.mark.skipif(
    shutil.which("Xorg") is None or os.geteuid() != 0,
    reason="needs Debian's Xorg and root (the sidecar runs Xorg as root)",
)
def test_generated_config_runs_in_a_real_xorg_with_the_dummy_driver(tmp_path):
    # The NVIDIA driver cannot run here: the same generated config with Driver "dummy"
    # (and the dummy's VideoRam) proves the layout, BusID syntax and flags are accepted.
    conf = tmp_path / "xorg.conf"
    conf.write_text(xorg_conf("00000000:00:02.0", driver="dummy"))
    display = next(n for n in range(40, 99) if not os.path.exists(f"/tmp/.X11-unix/X{n}"))
    proc = subprocess.Popen(
        [
            "Xorg",
            f":{display}",
            "-config",
            str(conf),
            "-logfile",
            str(tmp_path / "xorg.log"),
            "-noreset",
            "-nolisten",
            "tcp",
            "-novtswitch",
            "-sharevts",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while not os.path.exists(f"/tmp/.X11-unix/X{display}"):
            assert proc.poll() is None, (tmp_path / "xorg.log").read_text()[-2000:]
            assert time.monotonic() < deadline, "Xorg did not create its socket"
            time.sleep(0.1)
        out = subprocess.run(
            ["xdpyinfo", "-display", f":{display}"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout
        assert "vendor string:    The X.Org Foundation" in out and "dimensions:" in out
    finally:
        proc.terminate()
        proc.wait(10)


def test_values_validate_against_the_z2jh_schema():
    schema = json.loads((K8S / "values.schema.json").read_text())
    values = yaml.safe_load((K8S / "z2jh-values.yaml").read_text())
    snippet = values_snippet(load_catalogue(str(EXAMPLE)))
    values["singleuser"]["profileList"] = snippet["singleuser"]["profileList"]
    jsonschema.Draft7Validator(schema).validate(values)


def test_example_hub_values_validate():
    schema = json.loads((K8S / "values.schema.json").read_text())
    values = yaml.safe_load((K8S / "z2jh-values.yaml").read_text())
    example = yaml.safe_load((REPO / "deploy" / "z2jh-values.example.yaml").read_text())

    def merge(base, extra):
        for key, value in extra.items():
            if isinstance(value, dict) and isinstance(base.get(key), dict):
                merge(base[key], value)
            else:
                base[key] = value

    merge(values, example)
    jsonschema.Draft7Validator(schema).validate(values)


def test_cli_prints_yaml_and_python(capsys):
    assert kube_main(["values", "--catalogue", str(EXAMPLE)]) == 0
    printed = yaml.safe_load(capsys.readouterr().out)
    assert [p["slug"] for p in printed["singleuser"]["profileList"]] == [
        "none",
        "a10-4q",
        "h100-1g10",
        "t4-shared",
    ]
    assert kube_main(["values", "--catalogue", str(EXAMPLE), "--format", "python"]) == 0
    code = capsys.readouterr().out
    scope = {"c": type("C", (), {"KubeSpawner": type("K", (), {})()})()}
    exec(code, scope)
    assert scope["c"].KubeSpawner.profile_list == build_profile_list(load_catalogue(str(EXAMPLE)))
    assert kube_main(["values", "--catalogue", "/nonexistent.yaml"]) == 2


def pod_schema():
    return json.loads(
        (K8S / "kubernetes-json-schema" / "master-standalone-strict" / "pod-v1.json").read_text()
    )


@pytest.fixture
def kubeconfig(tmp_path, monkeypatch):
    path = tmp_path / "kubeconfig"
    path.write_text(KUBECONFIG)
    monkeypatch.setenv("KUBECONFIG", str(path))
    return path


@pytest.mark.parametrize("slug", ["none", "a10-4q", "h100-1g10", "t4-shared"])
async def test_pods_for_every_catalogue_entry(kubeconfig, slug):
    from kubernetes_asyncio.client import ApiClient
    from kubespawner import KubeSpawner

    catalogue = load_catalogue(str(EXAMPLE))
    spawner = KubeSpawner(_mock=True)
    # As Zero-to-JupyterHub's hub config does: the home volume, before any profile override.
    spawner.volumes = {
        "00-home": {"name": "home", "persistentVolumeClaim": {"claimName": "claim-{username}"}}
    }
    spawner.volume_mounts = {"00-home": {"name": "home", "mountPath": "/home/jovyan"}}
    spawner.profile_list = build_profile_list(catalogue)
    # What the spawn form's "profile-option-<slug>--size" field becomes in user_options.
    spawner.user_options = {"profile": slug, "size": "large"}
    await spawner.load_user_options()
    pod = await spawner.get_pod_manifest()
    async with ApiClient() as api:
        manifest = api.sanitize_for_serialization(pod)
    jsonschema.Draft7Validator(pod_schema()).validate(manifest)

    entry = next(g for g in catalogue["gpus"] if g["slug"] == slug)
    containers = {c["name"]: c for c in manifest["spec"]["containers"]}
    notebook = containers["notebook"]
    env = {e["name"]: e.get("value") for e in notebook.get("env", [])}
    volumes = {v["name"] for v in manifest["spec"].get("volumes", [])}
    mounts = {m["name"] for m in notebook.get("volumeMounts", [])}
    assert "home" in volumes and "home" in mounts  # Z2JH's home survived the overrides
    assert env["WORKBENCH_RENDERING_MODE"] == entry["rendering"]
    assert float(notebook["resources"]["limits"]["cpu"]) == 16
    assert int(notebook["resources"]["limits"]["memory"]) == 64 * 1024**3
    assert manifest["spec"].get("nodeSelector", {}) == (entry["node_selector"] or {}) or (
        entry["node_selector"].items() <= manifest["spec"]["nodeSelector"].items()
    )
    if entry["rendering"] == "sidecar":
        sidecar = containers[SIDECAR]
        assert sidecar["resources"]["limits"][entry["resource"]] == "1"
        assert X11_VOLUME in volumes and X11_VOLUME in mounts
        assert {m["name"] for m in sidecar["volumeMounts"]} == {X11_VOLUME}
        assert sidecar["readinessProbe"]["exec"]["command"] == ["test", "-S", "/tmp/.X11-unix/X0"]
        assert env["WORKBENCH_VGL_DISPLAY"] == ":0"
        assert entry["resource"] not in notebook["resources"].get("limits", {})
    elif entry["resource"]:
        assert notebook["resources"]["limits"][entry["resource"]] == "1"
        assert env["WORKBENCH_VGL_DISPLAY"] == "egl0"
        assert SIDECAR not in containers
    else:
        assert not any(k.startswith("nvidia.com/") for k in notebook["resources"]["limits"])
