"""The REAL Zero-to-JupyterHub chart with the project's values.

``helm`` (built from source), the chart and a venv with the chart's hub image pins come from
``make kube-tools``; ``make pytest`` passes their paths as ``WORKBENCH_HELM``,
``WORKBENCH_Z2JH_CHART`` and ``WORKBENCH_HUB_PYTHON`` (the defaults below are the same paths).

* ``helm lint`` / ``helm template`` with the values ``jupyter workbench kube values`` prints
  and the example hub values;
* every rendered object, strictly valid (kubernetes-validate's strict schemas, offline) for
  every Kubernetes version the chart supports that the schemas know;
* the chart's own ``jupyterhub_config.py`` (and ``z2jh.py``) run by JupyterHub's config
  loader on the rendered Secret and ConfigMap, then every profile and option spawned by the
  hub image's KubeSpawner (``z2jh_hub.py``), with and without our ``hub.extraConfig`` prelude;
* the image pullers on tainted GPU nodes; the admin docs' commands and YAML.
"""

from __future__ import annotations

import copy
import itertools
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from jupyter_workbench.kubespawner.catalogue import validate_catalogue
from jupyter_workbench.kubespawner.values import (
    MERGE_SAFE_KEY,
    image_name_and_tag,
    pre_puller,
    values_document,
)

REPO = Path(__file__).resolve().parents[3]
CATALOGUE = REPO / "deploy" / "catalogue.example.yaml"
HUB_VALUES = REPO / "deploy" / "z2jh-values.example.yaml"
ADMIN = REPO / "docs" / "admin"
HUB_SCRIPT = Path(__file__).with_name("z2jh_hub.py")
TOOLS = REPO / ".tools"
Z2JH_VERSION = "4.4.0"
RELEASE = "hub"
NAMESPACE = "jhub"
#: The toleration every GPU profile gets (profiles.py), for the taint docs/admin/nodes.md sets.
GPU_TOLERATION = {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}

pytestmark = pytest.mark.timeout(600)


def tool(env: str, default: Path) -> Path:
    path = Path(os.environ.get(env) or default)
    if not path.exists():
        pytest.fail(f"{path} is missing: run `make kube-tools` (or set {env})")
    return path


@pytest.fixture(scope="module")
def helm() -> Path:
    return tool("WORKBENCH_HELM", TOOLS / "helm-v3.22.0" / "helm")


@pytest.fixture(scope="module")
def chart() -> Path:
    return tool("WORKBENCH_Z2JH_CHART", TOOLS / "charts" / f"z2jh-{Z2JH_VERSION}" / "jupyterhub")


@pytest.fixture(scope="module")
def hub_python() -> Path:
    return tool("WORKBENCH_HUB_PYTHON", REPO / ".venv-kube" / "bin" / "python")


@pytest.fixture(scope="module")
def chart_meta(chart):
    return yaml.safe_load((chart / "Chart.yaml").read_text())


@pytest.fixture(scope="module")
def hub_pins(chart) -> dict[str, str]:
    """The hub image's pinned packages (``images/hub/requirements.txt`` of the release)."""
    text = (chart.parent / "images" / "hub" / "requirements.txt").read_text()
    return dict(re.findall(r"^([A-Za-z0-9._-]+)==(\S+)", text, re.M))


def minor(version: str) -> tuple[int, int]:
    major, minor_, *_ = re.findall(r"\d+", version)
    return int(major), int(minor_)


@pytest.fixture(scope="module")
def kube_versions(chart_meta) -> list[str]:
    """Kubernetes versions to validate for: from the chart's minimum to the newest schemas."""
    from kubernetes_validate.utils import all_versions

    lowest = minor(chart_meta["kubeVersion"])
    versions = sorted({v for v in all_versions() if minor(v) >= lowest}, key=minor)
    assert versions and minor(versions[0]) == lowest
    return versions


def strict_errors(objects, version):
    """``(kind/name, error)`` for every object not strictly valid at ``version``."""
    import kubernetes_validate

    errors = []
    for obj in objects:
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except kubernetes_validate.ValidationError as err:
            where = "/".join(str(p) for p in err.absolute_path)
            errors.append((f"{obj['kind']}/{obj['metadata']['name']}", where, err.message))
        except kubernetes_validate.SchemaNotFoundError as err:
            errors.append((f"{obj['kind']}/{obj['metadata']['name']}", "", str(err)))
    return errors


# --- rendering --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("chart")


def workbench_values_text(catalogue: Path = CATALOGUE) -> str:
    """What ``jupyter workbench kube values`` prints (the admin's command, run as such)."""
    out = subprocess.run(
        [sys.executable, "-m", "jupyter_workbench.cli", "kube", "values", "--catalogue", catalogue],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout


@pytest.fixture(scope="module")
def values_file(workdir) -> Path:
    path = workdir / "workbench-values.yaml"
    path.write_text(workbench_values_text())
    return path


def run_helm(helm: Path, *args: str, check: bool = True, cwd=None) -> subprocess.CompletedProcess:
    env = {**os.environ, "HELM_CACHE_HOME": "/nonexistent", "HELM_CONFIG_HOME": "/nonexistent"}
    result = subprocess.run(
        [str(helm), *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=120
    )
    if check and result.returncode:
        pytest.fail(f"helm {' '.join(args)} failed:\n{result.stderr}")
    return result


def render(helm, chart, values: list[Path], kube_version: str) -> list[dict]:
    args = ["template", RELEASE, str(chart), "--namespace", NAMESPACE]
    args += ["--kube-version", kube_version]
    for path in values:
        args += ["--values", str(path)]
    text = run_helm(helm, *args).stdout
    return [doc for doc in yaml.safe_load_all(text) if doc]


@pytest.fixture(scope="module")
def rendered(helm, chart, values_file, kube_versions) -> list[dict]:
    return render(helm, chart, [HUB_VALUES, values_file], kube_versions[0])


def named(objects, kind, name):
    return next(o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name)


def chart_values(objects) -> dict:
    """The values the hub reads (the rendered Secret's ``values.yaml``)."""
    import base64

    secret = named(objects, "Secret", "hub")
    return yaml.safe_load(base64.b64decode(secret["data"]["values.yaml"]))


def test_helm_version(helm):
    assert run_helm(helm, "version", "--template", "{{.Version}}").stdout == "v3.22.0"


def test_helm_lint(helm, chart, values_file, chart_meta, kube_versions):
    assert chart_meta["version"] == Z2JH_VERSION
    lint = run_helm(
        helm,
        "lint",
        "--strict",
        str(chart),
        "--kube-version",
        kube_versions[0],
        "--values",
        str(HUB_VALUES),
        "--values",
        str(values_file),
    )
    assert "1 chart(s) linted, 0 chart(s) failed" in lint.stdout, lint.stdout


def test_values_reach_the_chart(rendered, values_file):
    ours = yaml.safe_load(values_file.read_text())
    values = chart_values(rendered)
    assert values["singleuser"]["profileList"] == ours["singleuser"]["profileList"]
    prelude = ours["hub"]["extraConfig"][MERGE_SAFE_KEY]
    assert values["hub"]["extraConfig"][MERGE_SAFE_KEY] == prelude
    kinds = {o["kind"] for o in rendered}
    assert {"Deployment", "DaemonSet", "Secret", "ConfigMap", "Service"} <= kinds
    assert len(rendered) >= 25


def test_every_object_strictly_valid_for_each_supported_kubernetes(
    helm, chart, values_file, kube_versions
):
    failures = {}
    for version in kube_versions:
        objects = render(helm, chart, [HUB_VALUES, values_file], version)
        errors = strict_errors(objects, version)
        if errors:
            failures[version] = errors
    assert failures == {}


def test_strict_validation_rejects_an_unknown_field(rendered, kube_versions):
    hub = copy.deepcopy(named(rendered, "Deployment", "hub"))
    assert strict_errors([hub], kube_versions[0]) == []
    hub["spec"]["template"]["spec"]["containers"][0]["imagePullPolicyy"] = "Always"
    assert strict_errors([hub], kube_versions[0])


def test_chart_refuses_kubernetes_below_its_minimum(helm, chart, values_file, kube_versions):
    major, lowest = minor(kube_versions[0])
    args = ["template", RELEASE, str(chart), "--kube-version", f"{major}.{lowest - 1}.0"]
    result = run_helm(helm, *args, "--values", str(values_file), check=False)
    assert result.returncode != 0
    assert "kubeVersion" in result.stderr


# --- pre-pulling on tainted GPU nodes ---------------------------------------------------


def documented_taints() -> list[dict]:
    """The taints docs/admin/nodes.md tells admins to put on GPU nodes."""
    text = (ADMIN / "nodes.md").read_text()
    taints = []
    for key, value, effect in re.findall(
        r"kubectl taint nodes \S+ ([\w./-]+)(?:=([\w.-]*))?:(\w+)", text
    ):
        taints.append({"key": key, "value": value, "effect": effect})
    assert taints, "nodes.md gives no `kubectl taint nodes` command"
    return taints


def tolerates(toleration: dict, taint: dict) -> bool:
    """Kubernetes' rule (``ToleratesTaint``): does ``toleration`` match ``taint``?"""
    if toleration.get("effect") and toleration["effect"] != taint["effect"]:
        return False
    operator = toleration.get("operator", "Equal")
    if not toleration.get("key"):
        return operator == "Exists"
    if toleration["key"] != taint["key"]:
        return False
    return operator == "Exists" or toleration.get("value", "") == taint.get("value", "")


def test_toleration_rule():
    taint = {"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}
    assert tolerates(GPU_TOLERATION, taint)
    assert tolerates({"operator": "Exists"}, taint)
    assert tolerates({"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}, taint)
    assert not tolerates({"key": "nvidia.com/gpu", "value": "true"}, taint)
    assert not tolerates({**GPU_TOLERATION, "effect": "NoExecute"}, taint)
    assert not tolerates({"key": "hub.jupyter.org/dedicated", "operator": "Exists"}, taint)


@pytest.mark.parametrize(
    ("image", "name", "tag"),
    [
        ("ghcr.io/example/xorg:2026.11", "ghcr.io/example/xorg", "2026.11"),
        ("registry:5000/org/img:1.2", "registry:5000/org/img", "1.2"),
        ("registry:5000/org/img", "registry:5000/org/img", "latest"),
        ("img@sha256:0123abcd", "img@sha256", "0123abcd"),
    ],
)
def test_image_name_and_tag_joins_back(image, name, tag):
    """The chart writes ``name:tag``: that must give back the same image reference."""
    assert image_name_and_tag(image) == {"name": name, "tag": tag}
    joined = f"{name}:{tag}"
    assert joined == (image if tag != "latest" else f"{image}:latest")


def test_pre_puller_only_what_the_catalogue_needs():
    raw = yaml.safe_load(CATALOGUE.read_text())
    full = pre_puller(validate_catalogue(copy.deepcopy(raw)))
    own = [t for p in raw["profiles"] for t in p.get("tolerations", [])]
    assert own, "the example catalogue shows a profile's own toleration"
    assert full["extraTolerations"] == [GPU_TOLERATION, *own]
    assert full["extraImages"] == {
        "workbench-xorg-sidecar": image_name_and_tag(raw["sidecar"]["image"])
    }
    no_sidecar = copy.deepcopy(raw)
    no_sidecar["profiles"] = [p for p in raw["profiles"] if p["rendering"] != "sidecar"]
    assert "extraImages" not in pre_puller(validate_catalogue(no_sidecar))
    cpu_only = copy.deepcopy(raw)
    cpu_only["profiles"] = [p for p in raw["profiles"] if not p.get("gpu")]
    cpu_only["profiles"][0]["tolerations"] = [{"key": "spot", "operator": "Exists"}]
    document = values_document(validate_catalogue(cpu_only))
    assert document["prePuller"] == {"extraTolerations": [{"key": "spot", "operator": "Exists"}]}
    del cpu_only["profiles"][0]["tolerations"]
    assert "prePuller" not in values_document(validate_catalogue(cpu_only))


PULLERS = ("hook-image-puller", "continuous-image-puller")


def puller_report(objects) -> dict[str, tuple[list[str], set[str]]]:
    """Per image-puller DaemonSet: the documented taints it does NOT tolerate, its images."""
    report = {}
    for name in PULLERS:
        spec = named(objects, "DaemonSet", name)["spec"]["template"]["spec"]
        tolerations = spec.get("tolerations", [])
        untolerated = [
            f"{t['key']}={t['value']}:{t['effect']}"
            for t in documented_taints()
            if not any(tolerates(tol, t) for tol in tolerations)
        ]
        images = {c["image"] for c in spec.get("initContainers", [])}
        report[name] = (untolerated, images)
    return report


def test_image_pullers_run_on_tainted_gpu_nodes_and_pull_every_image(rendered):
    raw = yaml.safe_load(CATALOGUE.read_text())
    wanted = {i["image"] for i in raw["images"].values()} | {raw["sidecar"]["image"]}
    for name, (untolerated, images) in puller_report(rendered).items():
        assert untolerated == [], name
        assert wanted <= images, (name, wanted - images)


def test_without_our_pre_puller_values_gpu_nodes_get_nothing(helm, chart, workdir, kube_versions):
    document = yaml.safe_load(workbench_values_text())
    del document["prePuller"]
    path = workdir / "no-prepuller.yaml"
    path.write_text(yaml.safe_dump(document))
    objects = render(helm, chart, [HUB_VALUES, path], kube_versions[0])
    raw = yaml.safe_load(CATALOGUE.read_text())
    for untolerated, images in puller_report(objects).values():
        assert untolerated == ["nvidia.com/gpu=present:NoSchedule"]
        assert raw["sidecar"]["image"] not in images


# --- the chart's hub config + KubeSpawner at the hub image's version --------------------


def run_hub(hub_python, objects, workdir: Path, name: str) -> dict:
    """Run z2jh_hub.py in the hub venv on rendered ``objects``."""
    base = workdir / name
    (base / "mount").mkdir(parents=True)
    (base / "manifests.json").write_text(json.dumps(objects))
    kubeconfig = base / "kubeconfig"
    kubeconfig.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "d", "cluster": {"server": "https://127.0.0.1:1"}}],
                "users": [{"name": "d", "user": {"token": "not-a-token"}}],
                "contexts": [{"name": "d", "context": {"cluster": "d", "user": "d"}}],
                "current-context": "d",
            }
        )
    )
    env = {"PATH": os.environ["PATH"], "HOME": str(base), "KUBECONFIG": str(kubeconfig)}
    out = base / "result.json"
    argv = [hub_python, HUB_SCRIPT, "--manifests", base / "manifests.json"]
    result = subprocess.run(
        [*argv, "--root", base / "mount", "--out", out],
        capture_output=True,
        text=True,
        env=env,
        cwd=base,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(out.read_text())


def bytes_of(quantity: str) -> int:
    """KubeSpawner's byte specification (``16G`` = 16 GiB) in bytes."""
    units = {"K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}
    return int(float(quantity[:-1]) * units[quantity[-1]])


def expected_user_options(raw: dict) -> list[dict]:
    """Every profile and choice of the catalogue, from its raw YAML (not our profile code)."""
    every = []
    for profile in raw["profiles"]:
        images = profile.get("images", list(raw["images"]))
        sizes = profile.get("sizes", list(raw.get("sizes", {})))
        framebuffers = profile.get("framebuffers", raw["framebuffers"])
        for image, size, fb in itertools.product(images, sizes or [None], framebuffers):
            options = {"profile": profile["slug"], "image": image, "framebuffer": fb}
            if size:
                options["size"] = size
            every.append(options)
    return every


def pod_problems(pod: dict, options: dict, raw: dict, values: dict) -> list[str]:
    """What is wrong with a spawned pod, judged from the raw catalogue and chart values."""
    problems = []
    where = "/".join(f"{k}={v}" for k, v in options.items())

    def check(ok, what):
        if not ok:
            problems.append(f"{where}: {what}")

    profile = next(p for p in raw["profiles"] if p["slug"] == options["profile"])
    spec = pod["spec"]
    names = [c["name"] for c in spec["containers"]]
    notebook = spec["containers"][0]
    env = {e["name"]: e.get("value") for e in notebook.get("env", [])}
    limits = notebook.get("resources", {}).get("limits", {})
    requests = notebook.get("resources", {}).get("requests", {})
    check(names[0] == "notebook", f"first container {names[0]}")
    check(notebook["image"] == raw["images"][options["image"]]["image"], "image")
    if "size" in options:
        size = raw["sizes"][options["size"]]
        check(limits.get("cpu") == float(size["cpu"]), f"cpu limit {limits.get('cpu')}")
        check(limits.get("memory") == bytes_of(size["memory"]), "memory limit")
        guarantee = size.get("mem_guarantee", size["memory"])
        check(requests.get("memory") == bytes_of(guarantee), "memory guarantee")
    check(env.get("WORKBENCH_DESKTOP_GEOMETRY") == options["framebuffer"], "framebuffer")
    check(env.get("WORKBENCH_RENDERING_MODE") == profile["rendering"], "rendering mode")

    gpu = profile.get("gpu")
    selector = spec.get("nodeSelector") or {}
    tolerations = spec.get("tolerations") or []
    chart_tolerations = values["scheduling"]["userPods"]["tolerations"]
    for toleration in chart_tolerations:  # Z2JH's dedicated user-node taint
        check(toleration in tolerations, f"lost the chart's toleration {toleration['key']}")
    if gpu:
        check(limits.get(gpu["resource"]) == str(gpu.get("count", 1)), "GPU limit")
        check(GPU_TOLERATION in tolerations, "no GPU toleration")
        if gpu.get("product"):
            check(selector.get("nvidia.com/gpu.product") == gpu["product"], "product selector")
        if gpu.get("mig_strategy"):
            check(selector.get("nvidia.com/mig.strategy") == gpu["mig_strategy"], "MIG")
        if "vgpu" in gpu:
            check(selector.get("nvidia.com/vgpu.present") == str(gpu["vgpu"]).lower(), "vGPU")
    else:
        check(not any(k.startswith("nvidia.com/") for k in limits), "GPU on a CPU profile")

    # The chart's home volume and the example values' /dev/shm, next to our volumes.
    volumes = {v["name"]: v for v in spec.get("volumes", [])}
    mounts = {m["mountPath"]: m["name"] for m in notebook.get("volumeMounts", [])}
    home = mounts.get(values["singleuser"]["storage"]["homeMountPath"])
    check(home and "persistentVolumeClaim" in volumes.get(home, {}), "home volume")
    check(mounts.get("/dev/shm") == "dshm" and "emptyDir" in volumes.get("dshm", {}), "dshm")
    check(spec.get("schedulerName") == f"{RELEASE}-user-scheduler", "user scheduler")
    if profile["rendering"] == "sidecar":
        check(names == ["notebook", "workbench-xorg"], f"containers {names}")
        sidecar = spec["containers"][-1]
        check(sidecar["image"] == raw["sidecar"]["image"], "sidecar image")
        check(mounts.get("/tmp/.X11-unix") in volumes, "X socket volume")
    else:
        check(names == ["notebook"], f"containers {names}")
    return problems


@pytest.fixture(scope="module")
def hub_run(hub_python, rendered, workdir):
    return run_hub(hub_python, rendered, workdir, "with-prelude")


def test_hub_runs_the_chart_config_at_the_hub_image_versions(hub_run, hub_pins):
    assert hub_pins["jupyterhub-kubespawner"] == "7.0.0"  # what z2jh 4.4.0 ships
    for name, version in hub_run["versions"].items():
        assert version == hub_pins[name], name
    assert hub_run["spawner_class"] == "kubespawner.KubeSpawner"
    assert {"jupyterhub_config.py", "z2jh.py", "secret/values.yaml"} <= set(hub_run["mounted"])
    assert MERGE_SAFE_KEY in hub_run["extra_config_keys"]


def test_every_profile_and_option_spawns_as_the_catalogue_says(hub_run, rendered, kube_versions):
    raw = yaml.safe_load(CATALOGUE.read_text())
    values = chart_values(rendered)
    options = [p["options"] for p in hub_run["pods"]]
    assert sorted(json.dumps(o, sort_keys=True) for o in options) == sorted(
        json.dumps(o, sort_keys=True) for o in expected_user_options(raw)
    )
    problems = []
    for entry in hub_run["pods"]:
        problems += pod_problems(entry["pod"], entry["options"], raw, values)
    assert problems == []
    pods = [{"apiVersion": "v1", "kind": "Pod", **e["pod"]} for e in hub_run["pods"]]
    # At the oldest and newest version only (about 7 s each on 2 cores); the chart's own
    # objects, pod templates included, are checked at every version above.
    for version in (kube_versions[0], kube_versions[-1]):
        assert strict_errors(pods, version) == [], version


def test_without_the_prelude_gpu_pods_lose_the_chart_tolerations(
    helm, chart, hub_python, workdir, kube_versions
):
    """Negative control: the merge-safe prelude is what keeps Z2JH's tolerations."""
    document = yaml.safe_load(workbench_values_text())
    del document["hub"]["extraConfig"][MERGE_SAFE_KEY]
    path = workdir / "no-prelude.yaml"
    path.write_text(yaml.safe_dump(document))
    objects = render(helm, chart, [HUB_VALUES, path], kube_versions[0])
    result = run_hub(hub_python, objects, workdir, "without-prelude")
    raw = yaml.safe_load(CATALOGUE.read_text())
    values = chart_values(objects)
    gpu_slugs = {p["slug"] for p in raw["profiles"] if p.get("gpu")}
    broken = set()
    for entry in result["pods"]:
        problems = pod_problems(entry["pod"], entry["options"], raw, values)
        assert all("lost the chart's toleration" in p for p in problems), problems
        if problems:
            broken.add(entry["options"]["profile"])
    assert broken == gpu_slugs


# --- the admin docs ---------------------------------------------------------------------


def fenced_blocks(markdown: str, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", markdown, re.S | re.M)


def section(markdown: str, heading_start: str) -> str:
    match = re.search(rf"^(#+) {re.escape(heading_start)}.*?$", markdown, re.M)
    assert match, f"no heading starting {heading_start!r}"
    level = len(match.group(1))
    rest = markdown[match.end() :]
    end = re.search(rf"^#{{1,{level}}} ", rest, re.M)
    return match.group(0) + (rest[: end.start()] if end else rest)


def test_dra_examples_validate_from_kubernetes_1_34():
    dra = section((ADMIN / "gpu-sharing.md").read_text(), "Dynamic Resource Allocation")
    assert "1.34" in dra.splitlines()[0]
    documents = [d for block in fenced_blocks(dra, "yaml") for d in yaml.safe_load_all(block)]
    kinds = sorted(d["kind"] for d in documents)
    assert kinds == ["Pod", "ResourceClaimTemplate"]
    from kubernetes_validate.utils import all_versions

    for version in sorted({v for v in all_versions() if minor(v) >= (1, 34)}, key=minor):
        assert strict_errors(documents, version) == [], version
    template = next(d for d in documents if d["kind"] == "ResourceClaimTemplate")
    assert strict_errors([template], "1.33.0")  # resource.k8s.io/v1 is new in 1.34
    pod = next(d for d in documents if d["kind"] == "Pod")
    claims = [c["resources"]["claims"] for c in pod["spec"]["containers"]]
    assert len(claims) == 2 and claims[0] == claims[1], "both containers share the claim"


def admin_commands() -> list[str]:
    blocks = fenced_blocks((ADMIN / "README.md").read_text(), "sh")
    lines = [line.strip() for block in blocks for line in block.replace("\\\n", " ").splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def test_admin_commands_run_in_order_to_the_letter(helm, chart, workdir, kube_versions):
    """The quick start's commands, run as written (helm renders instead of installing)."""
    commands = admin_commands()
    helm_lines = [c for c in commands if c.startswith("helm ")]
    assert helm_lines[0] == "helm repo add jupyterhub https://hub.jupyter.org/helm-chart/"
    assert helm_lines[1] == "helm repo update"
    install = shlex.split(helm_lines[2], comments=True)
    assert install[:5] == ["helm", "upgrade", "--install", RELEASE, "jupyterhub/jupyterhub"]
    flags = install[5:]
    assert "--create-namespace" in flags
    assert flags[flags.index("--namespace") + 1]
    assert flags[flags.index("--version") + 1] == Z2JH_VERSION

    here = workdir / "admin"
    here.mkdir()
    for line in commands:
        argv = shlex.split(line, comments=True)
        if argv[:2] == ["cp", "deploy/catalogue.example.yaml"] or argv[:2] == [
            "cp",
            "deploy/z2jh-values.example.yaml",
        ]:
            shutil.copy(REPO / argv[1], here / argv[2])
        elif argv[:3] == ["jupyter", "workbench", "kube"]:
            redirect = argv.index(">") if ">" in argv else len(argv)
            result = subprocess.run(
                [sys.executable, "-m", "jupyter_workbench.cli", *argv[2:redirect]],
                capture_output=True,
                text=True,
                cwd=here,
            )
            assert result.returncode == 0, (line, result.stderr)
            if redirect < len(argv):
                (here / argv[redirect + 1]).write_text(result.stdout)
        elif argv[:3] == ["helm", "upgrade", "--install"]:
            values = [here / flags[i + 1] for i, f in enumerate(flags) if f == "--values"]
            assert values and all(v.is_file() for v in values), values
            assert values[-1].read_text() == workbench_values_text(here / "catalogue.yaml")
            rest = [f for f in flags if f not in ("--create-namespace",)]
            rest = rest[: rest.index("--version")] + rest[rest.index("--version") + 2 :]
            argv = ["template", RELEASE, str(chart), *rest, "--kube-version", kube_versions[0]]
            result = run_helm(helm, *argv, cwd=here)
            objects = [d for d in yaml.safe_load_all(result.stdout) if d]
            assert chart_values(objects)["singleuser"]["profileList"]
            assert puller_report(objects)["continuous-image-puller"][0] == []
        elif argv[:2] == ["helm", "repo"] or argv[0] in ("kubectl", "docker"):
            continue  # needs the network or a cluster
        else:
            pytest.fail(f"unknown command in docs/admin/README.md: {line}")


def test_supported_versions_table(chart_meta, hub_pins):
    readme = (ADMIN / "README.md").read_text()
    rows = [
        [cell.strip(" `*") for cell in line.strip("|").split("|")]
        for line in section(readme, "Supported versions").splitlines()
        if line.startswith("|")
    ]
    header, body = rows[0], rows[2:]
    row = dict(zip(header, next(r for r in body if r[0] == Z2JH_VERSION)))
    assert row["JupyterHub"] == chart_meta["appVersion"] == hub_pins["jupyterhub"]
    assert row["KubeSpawner"] == hub_pins["jupyterhub-kubespawner"]
    lowest = minor(chart_meta["kubeVersion"])
    assert row["Kubernetes"] == f">= {lowest[0]}.{lowest[1]}"


def test_one_values_file_name_everywhere():
    """Every doc writes `jupyter workbench kube values` output to the same file."""
    names = set()
    texts = [REPO / "README.md", *ADMIN.glob("*.md"), *(REPO / "deploy").glob("*.yaml")]
    for path in texts:
        for match in re.finditer(r"kube values --catalogue \S+ > (\S+)", path.read_text()):
            names.add(match.group(1))
    assert names == {"workbench-values.yaml"}
