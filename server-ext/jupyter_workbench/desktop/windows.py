"""The application windows open on a desktop's X display.

Stopping a desktop closes every window on it; the UI asks first when there are some.
The window manager's EWMH client list (``_NET_CLIENT_LIST``, read with ``xprop``) names
the managed windows; panels, docks and the desktop background are left out by their
``_NET_WM_WINDOW_TYPE``. Under a window manager without EWMH (twm) the windows are
not counted (``None``): the UI then asks before every Stop.
"""

from __future__ import annotations

import re
import shutil

from ..core.process import run_capture

#: Window types that are part of the desktop itself, not an application window.
DESKTOP_PARTS = {
    "_NET_WM_WINDOW_TYPE_DESKTOP",
    "_NET_WM_WINDOW_TYPE_DOCK",
    "_NET_WM_WINDOW_TYPE_TOOLBAR",
    "_NET_WM_WINDOW_TYPE_MENU",
    "_NET_WM_WINDOW_TYPE_SPLASH",
    "_NET_WM_WINDOW_TYPE_NOTIFICATION",
    "_NET_WM_WINDOW_TYPE_TOOLTIP",
}
#: At most this many titles are reported.
MAX_TITLES = 50
_WINDOW_ID = re.compile(r"0x[0-9a-fA-F]+")
_PROPERTY = re.compile(r"^(?P<name>[A-Z_]+)(?:\([A-Z_0-9]+\))?\s*[=:]\s*(?P<value>.*)$")


def parse_client_list(text: str) -> list[str] | None:
    """Window ids of ``xprop -root _NET_CLIENT_LIST``; ``None`` when the WM sets none."""
    if "_NET_CLIENT_LIST" not in text or "not found" in text or "no such atom" in text:
        return None
    _, _, value = text.partition("#")
    return _WINDOW_ID.findall(value)


def parse_properties(text: str) -> dict[str, str]:
    """``{name: value}`` of ``xprop -id ID PROP…`` output (quotes kept off string values)."""
    props: dict[str, str] = {}
    for line in text.splitlines():
        match = _PROPERTY.match(line.strip())
        if not match or "not found" in match["value"] or "no such atom" in match["value"]:
            continue
        value = match["value"].strip()
        if value.startswith("# "):
            value = value[2:]
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        props[match["name"]] = value
    return props


def is_application(props: dict[str, str]) -> bool:
    """Whether a managed window is an application's (not a panel, dock or background)."""
    types = {t.strip() for t in props.get("_NET_WM_WINDOW_TYPE", "").split(",") if t.strip()}
    if types & DESKTOP_PARTS:
        return False
    return "_NET_WM_STATE_SKIP_TASKBAR" not in props.get("_NET_WM_STATE", "")


def title_of(props: dict[str, str]) -> str:
    """The window's title (``_NET_WM_NAME``, else ``WM_NAME``)."""
    return props.get("_NET_WM_NAME") or props.get("WM_NAME") or ""


async def list_windows(
    display: str, xauthority: str | None, timeout: float = 5.0
) -> list[str] | None:
    """Titles of the application windows on ``display``; ``None`` when they cannot be read."""
    env = {"DISPLAY": display}
    if xauthority:
        env["XAUTHORITY"] = xauthority
    xprop = shutil.which("xprop")
    if not xprop:
        return None
    code, out = await run_capture(
        [xprop, "-root", "-notype", "_NET_CLIENT_LIST"], env=env, timeout=timeout
    )
    ids = parse_client_list(out) if code == 0 else None
    if ids is None:
        return None
    titles = []
    for window in ids:
        code, out = await run_capture(
            [
                xprop,
                "-id",
                window,
                "-notype",
                "_NET_WM_WINDOW_TYPE",
                "_NET_WM_STATE",
                "_NET_WM_NAME",
                "WM_NAME",
            ],
            env=env,
            timeout=timeout,
        )
        props = parse_properties(out) if code == 0 else {}
        if code == 0 and is_application(props):
            titles.append(title_of(props))
    return titles
