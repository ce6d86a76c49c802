"""Does a Node version satisfy a package's ``engines.node`` range?

Enough of npm's semver ranges for what code-server and openvscode-server declare:
``20``, ``20.x``, ``>=18``, ``>=18.0.0 <21``, ``^20.11.1``, ``~20.11``, ``18 || 20``.
"""

from __future__ import annotations

import re

_VERSION = re.compile(r"v?(\d+)(?:\.(\d+|x|\*))?(?:\.(\d+|x|\*))?")
_TOKEN = re.compile(r"(?:>=|<=|>|<|=|\^|~)?\s*v?[\dx*]+(?:\.[\dx*]+){0,2}")
_COMPARATOR = re.compile(r"^(>=|<=|>|<|=|\^|~)?\s*(v?\d+(?:\.(?:\d+|x|\*)){0,2})$")


def parse_version(text: str) -> tuple[int, int, int] | None:
    """``"v20.20.2"`` → ``(20, 20, 2)``; ``None`` when it is not a version."""
    match = _VERSION.search(text or "")
    if not match:
        return None
    parts = [int(p) if p and p.isdigit() else 0 for p in match.groups()]
    return (parts[0], parts[1], parts[2])


def _partial(text: str) -> list[int]:
    """The numeric parts given: ``"20.x"`` → ``[20]``, ``"20.11.1"`` → ``[20, 11, 1]``."""
    out = []
    for part in text.lstrip("v").split("."):
        if not part.isdigit():
            break
        out.append(int(part))
    return out


def _upper_of(parts: list[int]) -> tuple[int, int, int]:
    """Exclusive upper bound of a partial version: ``[20]`` → ``(21, 0, 0)``."""
    if len(parts) == 1:
        return (parts[0] + 1, 0, 0)
    if len(parts) == 2:
        return (parts[0], parts[1] + 1, 0)
    return (parts[0], parts[1], parts[2] + 1)


def _pad(parts: list[int]) -> tuple[int, int, int]:
    full = [*parts, 0, 0, 0][:3]
    return (full[0], full[1], full[2])


def _satisfies_comparator(version: tuple[int, int, int], op: str, text: str) -> bool:
    parts = _partial(text)
    if not parts:
        return True  # "*" or "x": anything
    low = _pad(parts)
    if op in {"", "="}:
        return low <= version < _upper_of(parts)
    if op == ">=":
        return version >= low
    if op == ">":
        return version >= _upper_of(parts)
    if op == "<":
        return version < low
    if op == "<=":
        return version < _upper_of(parts)
    if op == "^":
        first = next((i for i, p in enumerate(parts) if p), len(parts) - 1)
        return low <= version < _upper_of(parts[: first + 1])
    # "~": patch updates when a minor is given, else minor updates.
    return low <= version < _upper_of(parts[:2])


def satisfies(version_text: str, range_text: str) -> bool | None:
    """Whether the version satisfies the range; ``None`` when either cannot be read."""
    version = parse_version(version_text)
    if version is None or not range_text or not range_text.strip():
        return None
    for alternative in range_text.split("||"):
        comparators = _TOKEN.findall(alternative)
        if not comparators or "".join(comparators).replace(" ", "") != alternative.replace(" ", ""):
            return None  # a form we do not read (hyphen ranges, pre-releases…)
        ok = True
        for comparator in comparators:
            match = _COMPARATOR.match(comparator.strip())
            if not match:
                return None
            if not _satisfies_comparator(version, match.group(1) or "", match.group(2)):
                ok = False
                break
        if ok:
            return True
    return False
