"""KubeSpawner recipes: catalogue, profiles in a REAL KubeSpawner, schemas, CLI.

The pod manifests come from kubespawner's own ``get_pod_manifest()`` (``KubeSpawner(_mock=True)``
with a dummy kubeconfig; nothing talks to a cluster) and are validated against the strict
Kubernetes pod schema and the Zero-to-JupyterHub values schema in tests/fixtures/k8s.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft7Validator

from jupyter_workbench.kubespawner import cli
from jupyter_workbench.kubespawner.catalogue import (
    CatalogueError,
    load_catalogue,
    validate_catalogue,
)
from jupyter_workbench.kubespawner.profiles import build_profile_list, default_user_options
from jupyter_workbench.kubespawner.sidecar import SIDECAR_NAME, SOCKET_VOLUME
from jupyter_workbench.kubespawner.values import (
    MERGE_SAFE_PRELUDE,
    extra_config_python,
    values_document,
    values_yaml,
)

from ..conftest import FIXTURES

REPO = Path(__file__).resolve().parents[3]
EXAMPLE = REPO / "deploy" / "catalogue.example.yaml"
K8S = FIXTURES / "k8s"
POD_SCHEMA = K8S / "kubernetes-json-schema" / "master-standalone-strict" / "pod-v1.json"
CONTRACT = {
    "WORKBENCH_RENDERING_MODE",
    "WORKBENCH_VGL_DISPLAY",
    "WORKBENCH_SIDECAR_DISPLAY",
    "WORKBENCH_SIDECAR_TIMEOUT",
}
DUMMY_KUBECONFIG = """\
apiVersion: v1
kind: Config
clusters:
- name: dummy
  cluster: {server: "https://127.0.0.1:1"}
users:
- name: dummy
  user: {token: not-a-token}
contexts:
- name: dummy
  context: {cluster: dummy, user: dummy, namespace: workbench-test}
current-context: dummy
"""
#: How Zero-to-JupyterHub's hub config gives every user pod its home volume.
Z2JH_HOME_VOLUME = {
    "00-volume-name-template": {
        "name": "volume-{user_server}",
        "persistentVolumeClaim": {"claimName": "{pvc_name}"},
    }
}
Z2JH_HOME_MOUNT = {
    "00-volume-name-template": {"name": "volume-{user_server}", "mountPath": "/home/jovyan"}
}


@pytest.fixture(scope="module")
def pod_validator():
    if not POD_SCHEMA.is_file():
        pytest.fail(f"pod schema fixture missing: {POD_SCHEMA}")
    schema = json.loads(POD_SCHEMA.read_text())
    # The standalone-strict schema inlines every definition; resolve any $ref offline anyway.
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT7

    registry = Registry().with_resource(
        "pod-v1.json", Resource.from_contents(schema, default_specification=DRAFT7)
    )
    return Draft7Validator(schema, registry=registry)


@pytest.fixture(scope="module")
def values_validator():
    path = K8S / "values.schema.json"
    if not path.is_file():
        pytest.fail(f"Z2JH values schema fixture missing: {path}")
    return Draft7Validator(json.loads(path.read_text()))


@pytest.fixture
def kubeconfig(tmp_path, monkeypatch):
    path = tmp_path / "kubeconfig"
    path.write_text(DUMMY_KUBECONFIG)
    monkeypatch.setenv("KUBECONFIG", str(path))
    return path


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue(EXAMPLE)


def make_spawner(**traits):
    from kubespawner import KubeSpawner

    spawner = KubeSpawner(_mock=True)
    # Set before the profile is loaded, as Zero-to-JupyterHub's hub config does.
    spawner.volumes = json.loads(json.dumps(Z2JH_HOME_VOLUME))
    spawner.volume_mounts = json.loads(json.dumps(Z2JH_HOME_MOUNT))
    for name, value in traits.items():
        setattr(spawner, name, value)
    return spawner


async def close_kube_clients():
    """Close the shared API client KubeSpawner opened for this loop (it never connected)."""
    import asyncio

    tasks = [t for t in asyncio.all_tasks() if t.get_coro().__name__ == "close_client_task"]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def pod_of(spawner):
    """``get_pod_manifest()`` of a spawner, serialised as the API server would get it."""
    from kubernetes_asyncio.client import ApiClient

    try:
        await spawner.load_user_options()
        pod = await spawner.get_pod_manifest()
    finally:
        await close_kube_clients()
    return ApiClient().sanitize_for_serialization(pod)


async def manifest_for(profile_list, user_options, **traits):
    spawner = make_spawner(profile_list=profile_list, **traits)
    spawner.user_options = user_options
    return await pod_of(spawner)


def schema_errors(validator, document):
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    return [(list(e.absolute_path), e.message) for e in errors]


def container(manifest, name):
    return next(c for c in manifest["spec"]["containers"] if c["name"] == name)


def env_of(c):
    return {e["name"]: e.get("value") for e in c.get("env", [])}


# --- import hygiene ---------------------------------------------------------------------


def test_import_does_not_import_kubespawner():
    code = (
        "import sys, jupyter_workbench.kubespawner, jupyter_workbench.kubespawner.profiles, "
        "jupyter_workbench.kubespawner.sidecar, jupyter_workbench.kubespawner.cli, "
        "jupyter_workbench.core.rendering\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in "
        "{'kubespawner', 'kubernetes_asyncio', 'jupyterhub', 'yaml', 'jsonschema'}]\n"
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- catalogue --------------------------------------------------------------------------


def test_example_catalogue_is_valid(catalogue):
    slugs = [p["slug"] for p in catalogue["profiles"]]
    assert slugs[0] == "l40s-egl" and catalogue["profiles"][0]["default"] is True
    assert {p["rendering"] for p in catalogue["profiles"]} == {"egl", "sidecar", "software"}
    # defaults filled in
    cpu_only = catalogue["profiles"][-1]
    assert cpu_only["images"] == list(catalogue["images"])
    assert cpu_only["framebuffers"] == catalogue["framebuffers"]


def test_json_catalogue(tmp_path, catalogue):
    raw = yaml.safe_load(EXAMPLE.read_text())
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps(raw))
    assert load_catalogue(path) == catalogue


def _mutated(**changes):
    raw = yaml.safe_load(EXAMPLE.read_text())
    for dotted, value in changes.items():
        target = raw
        *parents, last = dotted.split(".")
        for key in parents:
            target = target[int(key)] if key.isdigit() else target[key]
        if value is None:
            del target[last]
        else:
            target[last] = value
    return raw


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"sidecar.gpu_visibility": None}, "only ONE container of a pod gets the GPU"),
        ({"sidecar": None}, "needs a top-level sidecar section"),
        ({"profiles.0.gpu": None}, "rendering 'egl' needs a gpu section"),
        ({"profiles.3.gpu.mig_strategy": "single"}, "mixed MIG strategy"),
        ({"profiles.1.sizes": ["huge"]}, "'huge' is not defined in sizes"),
        ({"profiles.2.slug": "l40s-egl"}, "slug 'l40s-egl' is used more than once"),
        ({"profiles.2.default": True}, "more than one profile has default"),
        ({"sizes.small.memory": "16Gi"}, "catalogue.sizes.small.memory"),
        ({"profiles.0.gpu.resource": "amd.com/gpu"}, "catalogue.profiles[0].gpu.resource"),
        ({"profiles.0.rendering": "opengl"}, "catalogue.profiles[0].rendering"),
        ({"profiles.0.colour": "blue"}, "Additional properties are not allowed"),
    ],
)
def test_catalogue_errors_say_where_and_why(changes, expected):
    with pytest.raises(CatalogueError) as info:
        validate_catalogue(_mutated(**changes))
    assert expected in str(info.value), str(info.value)


def test_unreadable_and_unparsable_catalogue(tmp_path):
    with pytest.raises(CatalogueError, match="cannot read"):
        load_catalogue(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("profiles: [unclosed\n")
    with pytest.raises(CatalogueError, match=r"cannot parse bad\.yaml"):
        load_catalogue(bad)


# --- real KubeSpawner pods ---------------------------------------------------------------

EXPECTED = {
    # slug: (GPU resource, node selector subset, rendering)
    "l40s-egl": ("nvidia.com/gpu", {"nvidia.com/gpu.product": "NVIDIA-L40S"}, "egl"),
    "a10-sidecar": ("nvidia.com/gpu", {"nvidia.com/gpu.product": "NVIDIA-A10"}, "sidecar"),
    "shared-t4": ("nvidia.com/gpu.shared", {"nvidia.com/gpu.product": "Tesla-T4"}, "egl"),
    "a100-mig-1g": ("nvidia.com/mig-1g.10gb", {"nvidia.com/mig.strategy": "mixed"}, "software"),
    "vgpu-a16": ("nvidia.com/gpu", {"nvidia.com/vgpu.present": "true"}, "egl"),
    "cpu-only": (None, {}, "software"),
}


@pytest.mark.parametrize("slug", list(EXPECTED))
async def test_profile_pod_manifest(slug, catalogue, kubeconfig, pod_validator):
    profile_list = build_profile_list(catalogue)
    profile = next(p for p in profile_list if p["slug"] == slug)
    manifest = await manifest_for(profile_list, default_user_options(profile))

    assert schema_errors(pod_validator, manifest) == []
    resource, selector, rendering = EXPECTED[slug]
    notebook = container(manifest, "notebook")
    limits = notebook["resources"]["limits"]
    if resource:
        assert limits[resource] == "1"
        tolerations = manifest["spec"].get("tolerations", [])
        assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in [
            {k: t.get(k) for k in ("key", "operator", "effect")} for t in tolerations
        ]
    else:
        assert not any(k.startswith("nvidia.com/") for k in limits)
    assert selector.items() <= (manifest["spec"].get("nodeSelector") or {}).items()

    env = env_of(notebook)
    assert env["WORKBENCH_RENDERING_MODE"] == rendering
    assert env["WORKBENCH_DESKTOP_GEOMETRY"] == "1920x1080"
    assert env["JUPYTER_IMAGE"] == "ghcr.io/example/jupyter-workbench:2026.11"
    ours = {k for k in env if k.startswith("WORKBENCH_")} - {"WORKBENCH_DESKTOP_GEOMETRY"}
    assert ours <= CONTRACT

    # Z2JH's home volume survives the profile override, next to ours.
    volumes = {v["name"]: v for v in manifest["spec"]["volumes"]}
    mounts = {m["name"]: m["mountPath"] for m in notebook["volumeMounts"]}
    home = next(name for name, path in mounts.items() if path == "/home/jovyan")
    assert home.startswith("volume-mock")  # {user_server} expanded for the mock user
    assert "persistentVolumeClaim" in volumes[home]

    names = [c["name"] for c in manifest["spec"]["containers"]]
    if rendering == "sidecar":
        assert names == ["notebook", SIDECAR_NAME]
        assert env["WORKBENCH_VGL_DISPLAY"] == ":0"
        assert env["WORKBENCH_SIDECAR_DISPLAY"] == ":0"
        assert env["WORKBENCH_SIDECAR_TIMEOUT"] == "60"
        sidecar = container(manifest, SIDECAR_NAME)
        assert sidecar["readinessProbe"]["exec"]["command"] == ["test", "-S", "/tmp/.X11-unix/X0"]
        assert {"name": SOCKET_VOLUME, "mountPath": "/tmp/.X11-unix"} in sidecar["volumeMounts"]
        assert mounts[SOCKET_VOLUME] == "/tmp/.X11-unix"
        assert volumes[SOCKET_VOLUME]["emptyDir"]["medium"] == "Memory"
        assert sidecar["securityContext"]["privileged"] is False
        assert sidecar["securityContext"]["allowPrivilegeEscalation"] is False
        side_env = env_of(sidecar)
        assert side_env["WORKBENCH_RENDERING_MODE"] == "sidecar"
        assert side_env["NVIDIA_VISIBLE_DEVICES"] == "all"
    else:
        assert names == ["notebook"]
        assert SOCKET_VOLUME not in volumes
        if rendering == "egl":
            assert env["WORKBENCH_VGL_DISPLAY"] == "egl0"
        else:
            assert "WORKBENCH_VGL_DISPLAY" not in env


async def test_form_choices_apply(catalogue, kubeconfig, pod_validator):
    """Form data → user_options (KubeSpawner's own parser) → size, image and framebuffer."""
    profile_list = build_profile_list(catalogue)
    spawner = make_spawner(profile_list=profile_list)
    await close_kube_clients()
    slug = "l40s-egl"
    options = spawner.options_from_form(
        {
            "profile": [slug],
            f"profile-option-{slug}--size": ["large"],
            f"profile-option-{slug}--image": ["workbench-minimal"],
            f"profile-option-{slug}--framebuffer": ["3840x2160"],
        }
    )
    manifest = await manifest_for(profile_list, options)
    assert schema_errors(pod_validator, manifest) == []
    notebook = container(manifest, "notebook")
    assert notebook["image"] == "ghcr.io/example/jupyter-workbench-minimal:2026.11"
    assert notebook["resources"]["limits"]["cpu"] == 8.0
    assert notebook["resources"]["limits"]["memory"] == 48 * 1024**3
    assert env_of(notebook)["WORKBENCH_DESKTOP_GEOMETRY"] == "3840x2160"


async def test_braces_in_sidecar_survive_kubespawner_templating(kubeconfig, pod_validator):
    raw = _mutated(**{"sidecar.env": {"XORG_EXTRA": "{not-a-template} ${HOME} {username}"}})
    profile_list = build_profile_list(validate_catalogue(raw))
    sidecar_profile = next(p for p in profile_list if p["slug"] == "a10-sidecar")
    manifest = await manifest_for(profile_list, default_user_options(sidecar_profile))
    assert schema_errors(pod_validator, manifest) == []
    env = env_of(container(manifest, SIDECAR_NAME))
    assert env["XORG_EXTRA"] == "{not-a-template} ${HOME} {username}"


async def test_merge_safe_prelude_keeps_list_valued_home_volume(catalogue, kubeconfig):
    """An older hub config sets volumes as LISTS: the prelude turns them into dicts."""
    from kubespawner import KubeSpawner
    from traitlets.config import Config

    c = Config()
    c.KubeSpawner.volumes = [{"name": "home", "persistentVolumeClaim": {"claimName": "c"}}]
    c.KubeSpawner.volume_mounts = [{"name": "home", "mountPath": "/home/jovyan"}]
    c.KubeSpawner.profile_list = build_profile_list(catalogue)
    exec(MERGE_SAFE_PRELUDE, {"c": c})
    assert isinstance(c.KubeSpawner.volumes, dict)

    spawner = KubeSpawner(_mock=True, config=c)
    spawner.user_options = {"profile": "a10-sidecar"}
    pod = await pod_of(spawner)
    assert {v["name"] for v in pod["spec"]["volumes"]} >= {"home", SOCKET_VOLUME}

    # Without the prelude a dict override on a list trait REPLACES it (why we need it).
    bare = Config()
    bare.KubeSpawner.volumes = [{"name": "home", "persistentVolumeClaim": {"claimName": "c"}}]
    bare.KubeSpawner.profile_list = build_profile_list(catalogue)
    spawner = KubeSpawner(_mock=True, config=bare)
    spawner.user_options = {"profile": "a10-sidecar"}
    pod = await pod_of(spawner)
    assert "home" not in {v["name"] for v in pod["spec"]["volumes"]}


# --- values / CLI -----------------------------------------------------------------------


def helm_merge(base, override):
    """Helm's values merge: maps merge recursively, anything else (lists too) replaces."""
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = helm_merge(base.get(key), value) if key in base else value
        return merged
    return override


def chart_values(name="z2jh-values.yaml"):
    """The chart's default values (Helm validates the MERGED values against the schema)."""
    path = K8S / name
    if not path.is_file():
        pytest.fail(f"fixture missing: {path}")
    return yaml.safe_load(path.read_text())


@pytest.mark.parametrize("base", ["z2jh-values.yaml", "z2jh-lint-and-validate-values.yaml"])
def test_values_validate_against_z2jh_schema(base, catalogue, values_validator):
    document = yaml.safe_load(values_yaml(catalogue))
    assert document == values_document(catalogue)
    assert isinstance(document["singleuser"]["profileList"], list)
    defaults = chart_values(base)
    assert schema_errors(values_validator, helm_merge(defaults, document)) == []
    # The schema wants a list: a dict profileList is rejected (our output never is one).
    profiles = {p["slug"]: p for p in build_profile_list(catalogue)}
    as_dict = helm_merge(defaults, {"singleuser": {"profileList": profiles}})
    assert schema_errors(values_validator, as_dict)


def test_values_also_valid_against_yaml_schema(catalogue):
    path = K8S / "values.schema.yaml"
    if not path.is_file():
        pytest.fail(f"fixture missing: {path}")
    validator = Draft7Validator(yaml.safe_load(path.read_text()))
    merged = helm_merge(chart_values(), values_document(catalogue))
    assert schema_errors(validator, merged) == []


def test_example_hub_values_with_profiles_validate(catalogue, values_validator):
    hub = yaml.safe_load((REPO / "deploy" / "z2jh-values.example.yaml").read_text())
    merged = helm_merge(helm_merge(chart_values(), hub), values_document(catalogue))
    assert schema_errors(values_validator, merged) == []


def test_cli_values_yaml(capsys, values_validator):
    assert cli.main(["values", "--catalogue", str(EXAMPLE)]) == 0
    document = yaml.safe_load(capsys.readouterr().out)
    assert schema_errors(values_validator, helm_merge(chart_values(), document)) == []
    assert [p["slug"] for p in document["singleuser"]["profileList"]] == list(EXPECTED)


async def test_cli_values_python_builds_the_same_profiles(capsys, catalogue, kubeconfig):
    from kubespawner import KubeSpawner
    from traitlets.config import Config

    assert cli.main(["values", "--catalogue", str(EXAMPLE), "--format", "python"]) == 0
    code = capsys.readouterr().out
    c = Config()
    c.KubeSpawner.volumes = Z2JH_HOME_VOLUME
    exec(compile(code, "extraConfig", "exec"), {"c": c})
    spawner = KubeSpawner(_mock=True, config=c)
    await close_kube_clients()
    assert spawner.profile_list == build_profile_list(catalogue)
    # and it is exactly what the YAML route would give Z2JH
    assert extra_config_python(catalogue) == code


def test_cli_validate_and_errors(capsys, tmp_path):
    assert cli.main(["validate", "--catalogue", str(EXAMPLE)]) == 0
    assert "OK (6 profiles)" in capsys.readouterr().out
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(_mutated(**{"sidecar.gpu_visibility": None})))
    assert cli.main(["values", "--catalogue", str(bad)]) == 1
    assert "DRA ResourceClaim" in capsys.readouterr().err
    assert cli.main(["values"]) == 2  # argparse: --catalogue is required


def test_workbench_cli_dispatches_kube(capsys):
    from jupyter_workbench.cli import main

    assert main(["kube", "xorg-config", "--bus-id", "00000000:3B:00.0"]) == 0
    assert 'BusID "PCI:59@0:0:0"' in capsys.readouterr().out
