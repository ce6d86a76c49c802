"""Parsers of ``nvidia-smi`` output into one raw tree: nested dicts of normalised keys.

Both ``nvidia-smi -q -x`` (XML) and ``nvidia-smi -q`` (text) become the same shape::

    {"driver_version": "590.48.01", "cuda_version": "13.1",
     "gpus": [{"product_name": "NVIDIA H200", "fb_memory_usage": {"total": "143771 MiB"}, …}]}

Keys are lower-case with ``_`` for anything else (``FB Memory Usage`` → ``fb_memory_usage``).
Repeated children (MIG devices, processes) become lists. :mod:`.model` reads the tree.
Also understood: the capture files of nvidia_gpu_exporter (sections ``idle :: query (-q)``
and ``load :: query (-q)``).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from typing import Any  # Any: parsed nvidia-smi trees are JSON-like

Tree = dict[str, Any]

_KEY = re.compile(r"[^a-z0-9]+")
_TEXT_LINE = re.compile(r"^(?P<indent> *)(?P<key>[^:]+?)\s*(?::\s*(?P<value>.*))?$")
_GPU_LINE = re.compile(r"^GPU ([0-9A-Fa-f]{4,8}:[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}\.[0-9A-Fa-f])$")
_SECTION = re.compile(r"^# (?P<phase>\w+) :: (?P<name>.+)$")
_LIST_GPU = re.compile(r"^GPU (?P<index>\d+): (?P<name>.+?) \(UUID: (?P<uuid>[^)]+)\)\s*$")
_LIST_MIG = re.compile(
    r"^\s+MIG (?P<profile>\S+)\s+Device\s+(?P<index>\d+): \(UUID: (?P<uuid>[^)]+)\)\s*$"
)


def normalise(key: str) -> str:
    """``FB Memory Usage`` → ``fb_memory_usage``."""
    return _KEY.sub("_", key.strip().lower()).strip("_")


def _add(tree: Tree, key: str, value: Any) -> None:
    """Add a child; repeatable sections (MIG devices, processes) are kept as lists."""
    if key in _LIST_KEYS and isinstance(value, dict):
        existing = tree.get(key)
        if isinstance(existing, list):
            existing.append(value)
        else:
            tree[key] = [value]
        return
    tree[key] = value


#: Sections that may repeat.
_LIST_KEYS = {"gpu", "mig_device", "process_info", "device"}


def _xml_node(element: ET.Element) -> Any:
    children = list(element)
    if not children:
        return (element.text or "").strip()
    node: Tree = {}
    for child in children:
        _add(node, normalise(child.tag), _xml_node(child))
    return node


def parse_xml(text: str | bytes) -> Tree:
    """Parse ``nvidia-smi -q -x`` output."""
    if isinstance(text, str):
        text = text.encode("utf-8")
    # Old drivers write a DOCTYPE pointing at a DTD that is not there; ET ignores it.
    root = ET.fromstring(text)
    tree = _xml_node(root)
    if not isinstance(tree, dict):
        tree = {}
    gpus = tree.pop("gpu", [])
    if isinstance(gpus, dict):
        gpus = [gpus]
    for gpu, element in zip(gpus, root.findall("gpu")):
        gpu["_id"] = element.get("id", "")
    tree["gpus"] = gpus
    stamp = tree.get("timestamp")
    if isinstance(stamp, str):
        try:
            parsed = datetime.strptime(stamp.strip(), "%a %b %d %H:%M:%S %Y")
            tree["timestamp_epoch"] = parsed.replace(tzinfo=timezone.utc).timestamp()
        except ValueError:
            pass
    return tree


def parse_text(text: str) -> Tree:
    """Parse ``nvidia-smi -q`` (text) output."""
    root: Tree = {"gpus": []}
    stack: list[tuple[int, Tree]] = [(-1, root)]
    for raw in text.splitlines():
        if not raw.strip() or raw.startswith("="):
            continue
        gpu_line = _GPU_LINE.match(raw.rstrip())
        if gpu_line:
            stack = [(-1, root)]
            gpu: Tree = {"_id": gpu_line.group(1)}
            root["gpus"].append(gpu)
            stack.append((0, gpu))
            continue
        match = _TEXT_LINE.match(raw.rstrip())
        if not match:
            continue
        indent = len(match.group("indent"))
        key, value = match.group("key"), match.group("value")
        while stack and stack[-1][0] >= indent:
            stack.pop()
        parent = stack[-1][1]
        name = normalise(key)
        if parent.get("_kind") == "processes" and value is not None:
            procs = parent.setdefault("process_info", [])
            if not procs or name in procs[-1]:
                procs.append({})
            procs[-1][name] = value.strip()
            continue
        if value is None or (value == "" and _looks_like_section(name)):
            child: Tree = {}
            if re.match(r"^(device|gpu_instance)_\d+$", name) or name == "process_info":
                _add(parent, name.rsplit("_", 1)[0] if name.startswith("device_") else name, child)
            else:
                _add(parent, name, child)
            if name == "processes":
                child["_kind"] = "processes"
            stack.append((indent, child))
        else:
            _add(parent, name, value.strip())
    return root


def _looks_like_section(name: str) -> bool:
    return name in {"processes", "mig_devices"}


def parse_list(text: str) -> list[dict[str, Any]]:
    """``nvidia-smi -L``: every GPU with its MIG devices, named by NVIDIA.

    ``GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-…)`` then, per MIG device,
    ``  MIG 3g.40gb     Device  0: (UUID: MIG-…)`` (``1c.3g.71gb`` when a GPU instance
    holds several compute instances).
    """
    gpus: list[dict[str, Any]] = []
    for line in text.splitlines():
        gpu = _LIST_GPU.match(line)
        if gpu:
            gpus.append(
                {"index": int(gpu["index"]), "name": gpu["name"], "uuid": gpu["uuid"], "mig": []}
            )
            continue
        mig = _LIST_MIG.match(line)
        if mig and gpus:
            gpus[-1]["mig"].append(
                {"index": int(mig["index"]), "profile": mig["profile"], "uuid": mig["uuid"]}
            )
    return gpus


def capture_sections(text: str) -> dict[str, str]:
    """Split an nvidia_gpu_exporter capture into ``{"load :: query (-q)": body, …}``."""
    sections: dict[str, str] = {}
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        if lines[index].startswith("####") and index + 1 < len(lines):
            match = _SECTION.match(lines[index + 1])
            if match:
                start = index + 1
                while start < len(lines) and lines[start].startswith("#"):
                    start += 1
                end = start
                while end < len(lines) and not lines[end].startswith("####"):
                    end += 1
                sections[f"{match.group('phase')} :: {match.group('name')}"] = "\n".join(
                    lines[start:end]
                )
                index = end
                continue
        index += 1
    return sections


def parse_capture(text: str, section: str = "load") -> Tree:
    """Parse the ``nvidia-smi -q`` part (``idle`` or ``load``) of a capture file."""
    if section not in {"idle", "load"}:
        raise ValueError("section must be 'idle' or 'load'")
    sections = capture_sections(text)
    body = sections.get(f"{section} :: query (-q)")
    if body is None:
        raise ValueError(f"the capture has no '{section} :: query (-q)' section")
    tree = parse_text(body)
    listing = sections.get("capabilities :: list (-L)")
    if listing is not None:
        tree["listing"] = parse_list(listing)
    return tree


def parse_any(text: str, section: str = "load") -> Tree:
    """Parse XML, a capture file or plain ``-q`` text, whichever ``text`` is."""
    head = text.lstrip()[:200]
    if head.startswith("<?xml") or head.startswith("<!DOCTYPE") or head.startswith("<nvidia_smi"):
        return parse_xml(text)
    if "nvidia_gpu_exporter GPU capture" in head:
        return parse_capture(text, section)
    if "NVSMI LOG" in head or "Driver Version" in head:
        return parse_text(text)
    raise ValueError("not nvidia-smi -q output (XML or text) nor a capture file")
