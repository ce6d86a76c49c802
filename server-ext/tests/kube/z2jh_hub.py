"""Run Zero-to-JupyterHub's hub configuration from a rendered chart, then spawn every profile.

Not a test module: ``test_chart.py`` runs this file with the interpreter of the hub venv
(``make kube-tools``: the chart's hub image pins, so KubeSpawner and JupyterHub at the hub
image's versions) and reads the JSON it writes. It imports nothing from this project.

What it emulates of the hub pod, from the rendered manifests alone:

* the hub container's ConfigMap and Secret volume mounts under ``/usr/local/etc/jupyterhub``,
  written into ``--root`` (the chart's Python files name that directory literally, so it is
  replaced by ``--root`` in the copies, and nothing else is changed);
* the hub container's environment (literal values, ``secretKeyRef`` from the rendered Secret,
  the namespace ``fieldRef``) and the ``<SERVICE>_SERVICE_HOST/PORT`` variables Kubernetes
  sets for every Service of the namespace.

Then JupyterHub's own config loader runs the chart's ``jupyterhub_config.py`` (which runs
``hub.extraConfig``), and for each combination of profile and option choices a
``KubeSpawner(_mock=True)`` with that config builds its pod manifest (nothing talks to a
cluster).

Usage: ``python z2jh_hub.py --manifests rendered.json --root DIR --out result.json``
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import importlib.metadata
import itertools
import json
import os
import posixpath
import sys
from pathlib import Path

MOUNT_ROOT = "/usr/local/etc/jupyterhub"


def find(objects, kind, component):
    for obj in objects:
        labels = obj["metadata"].get("labels", {})
        if obj["kind"] == kind and labels.get("component") == component:
            return obj
    raise SystemExit(f"no {kind} with component={component} in the rendered chart")


def by_name(objects, kind, name):
    for obj in objects:
        if obj["kind"] == kind and obj["metadata"]["name"] == name:
            return obj
    raise SystemExit(f"the hub mounts {kind} {name!r}, which the chart did not render")


def secret_data(secret):
    data = {k: base64.b64decode(v).decode() for k, v in (secret.get("data") or {}).items()}
    data.update(secret.get("stringData") or {})
    return data


def mount_hub_volumes(objects, hub_container, pod_spec, root: Path) -> list[str]:
    """Write the ConfigMap/Secret mounts of the hub container below ``root``."""
    volumes = {v["name"]: v for v in pod_spec.get("volumes", [])}
    written = []
    for mount in hub_container.get("volumeMounts", []):
        path = mount["mountPath"]
        if not path.startswith(MOUNT_ROOT):
            continue
        volume = volumes[mount["name"]]
        if "configMap" in volume:
            data = by_name(objects, "ConfigMap", volume["configMap"]["name"]).get("data", {})
        elif "secret" in volume:
            data = secret_data(by_name(objects, "Secret", volume["secret"]["secretName"]))
        else:
            continue
        target = root / posixpath.relpath(path, MOUNT_ROOT)
        if mount.get("subPath"):
            files = {target: data[mount["subPath"]]}
        else:
            files = {target / key: value for key, value in data.items()}
        for file, text in files.items():
            file.parent.mkdir(parents=True, exist_ok=True)
            if file.suffix == ".py":
                if MOUNT_ROOT not in text and file.name == "z2jh.py":
                    raise SystemExit(f"z2jh.py no longer reads {MOUNT_ROOT}: update this file")
                text = text.replace(MOUNT_ROOT, str(root))
            file.write_text(text)
            written.append(str(file.relative_to(root)))
    return written


def hub_environment(objects, hub_container, namespace) -> dict[str, str]:
    """The hub container's environment as the kubelet would give it."""
    env: dict[str, str] = {}
    for obj in objects:
        if obj["kind"] == "Service":
            prefix = obj["metadata"]["name"].upper().replace("-", "_")
            ports = obj["spec"].get("ports", [])
            env[f"{prefix}_SERVICE_HOST"] = "10.0.0.1"
            if ports:
                env[f"{prefix}_SERVICE_PORT"] = str(ports[0]["port"])
    for item in hub_container.get("env", []):
        if "value" in item:
            env[item["name"]] = str(item["value"])
            continue
        source = item.get("valueFrom", {})
        if "fieldRef" in source and source["fieldRef"]["fieldPath"] == "metadata.namespace":
            env[item["name"]] = namespace
        elif "secretKeyRef" in source:
            ref = source["secretKeyRef"]
            env[item["name"]] = secret_data(by_name(objects, "Secret", ref["name"]))[ref["key"]]
        else:
            raise SystemExit(f"hub env {item['name']}: unsupported source {source}")
    return env


def choice_sets(profile):
    """Every ``user_options`` of a profile: one choice per option, all combinations."""
    options = profile.get("profile_options") or {}
    names = list(options)
    for picked in itertools.product(*(list(options[n]["choices"]) for n in names)):
        yield {"profile": profile["slug"], **dict(zip(names, picked))}


async def close_kube_clients():
    """Close the shared API client KubeSpawner opened for this loop (it never connected)."""
    tasks = [t for t in asyncio.all_tasks() if t.get_coro().__name__ == "close_client_task"]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def spawn_all(config):
    from kubernetes_asyncio.client import ApiClient
    from kubespawner import KubeSpawner

    pods = []
    for profile in config.KubeSpawner.profile_list:
        for options in choice_sets(profile):
            spawner = KubeSpawner(_mock=True, config=config)
            spawner.user_options = options
            try:
                await spawner.load_user_options()
                pod = await spawner.get_pod_manifest()
            finally:
                await close_kube_clients()
            pods.append({"options": options, "pod": ApiClient().sanitize_for_serialization(pod)})
    return pods


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifests", required=True, help="JSON list of rendered objects")
    parser.add_argument("--root", required=True, help="empty directory for the hub's mounts")
    parser.add_argument("--out", required=True, help="where to write the JSON result")
    args = parser.parse_args()

    objects = json.loads(Path(args.manifests).read_text())
    root = Path(args.root)
    deployment = find(objects, "Deployment", "hub")
    namespace = deployment["metadata"].get("namespace", "default")
    pod_spec = deployment["spec"]["template"]["spec"]
    hub_container = next(c for c in pod_spec["containers"] if c["name"] == "hub")
    mounted = mount_hub_volumes(objects, hub_container, pod_spec, root)
    os.environ.update(hub_environment(objects, hub_container, namespace))

    from jupyterhub.app import JupyterHub

    hub = JupyterHub()
    hub.load_config_file(str(root / "jupyterhub_config.py"))
    config = hub.config
    pods = asyncio.run(spawn_all(config))
    result = {
        "python": sys.version.split()[0],
        "versions": {
            name: importlib.metadata.version(name)
            for name in ("jupyterhub", "jupyterhub-kubespawner", "kubernetes-asyncio")
        },
        "mounted": sorted(mounted),
        "spawner_class": config.JupyterHub.spawner_class,
        "extra_config_keys": sorted(_values(root).get("hub", {}).get("extraConfig") or {}),
        "pods": pods,
    }
    Path(args.out).write_text(json.dumps(result))
    return 0


def _values(root: Path) -> dict:
    import yaml

    return yaml.safe_load((root / "secret" / "values.yaml").read_text())


if __name__ == "__main__":
    sys.exit(main())
