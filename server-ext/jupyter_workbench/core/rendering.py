"""Pod-side rendering settings and discovery of the 3D X server (the Xorg sidecar).

This is the one home of the pod's rendering contract: the Kubernetes wiring
(:mod:`jupyter_workbench.kubespawner`) writes these variables on the notebook container with
:func:`pod_environment`; the desktop (:mod:`jupyter_workbench.desktop.backend`) reads them
with :func:`rendering_settings`. Nothing else parses them.

``WORKBENCH_RENDERING_MODE``
    ``sidecar`` | ``xorg`` | ``egl`` | ``software``: how 3D apps render in this pod (or on
    this host). Unset or ``auto``: the desktop picks the best usable mode. ``xorg`` is the
    single-host form of ``sidecar``: Workbench starts the 3D X server itself.
``WORKBENCH_VGL_DISPLAY``
    VirtualGL's ``VGL_DISPLAY``: ``:0`` (the sidecar's Xorg) or ``egl0`` / ``/dev/dri/cardN``
    (the EGL back end). In sidecar mode it defaults to ``WORKBENCH_SIDECAR_DISPLAY``.
``WORKBENCH_SIDECAR_DISPLAY``
    The X display the sidecar's Xorg serves, default ``:0`` (socket
    ``/tmp/.X11-unix/X0`` in the shared ``emptyDir``).
``WORKBENCH_SIDECAR_TIMEOUT``
    Seconds to wait for the sidecar's X server at desktop start, default 60 in sidecar
    mode (Xorg and the NVIDIA driver may take a while to come up beside the notebook).

:func:`wait_for_x_server` polls a display until an X server completes the X11 connection
handshake (pure Python, no Xlib), and reports why not otherwise.
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import struct
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any  # Any: reports and settings are JSON-like dicts

#: The rendering modes, best first (the one definition: settings, schemas and docs follow it).
#: ``sidecar``: VirtualGL's GLX back end on a 3D X server someone else runs (the pod's
#: Xorg sidecar); ``xorg``: the same on an Xorg that Workbench starts on the GPU;
#: ``egl``: VirtualGL's EGL back end; ``software``: Mesa inside Xvnc.
MODES = ("sidecar", "xorg", "egl", "software")
#: The modes that run apps under VirtualGL.
GPU_MODES = ("sidecar", "xorg", "egl")
ENV_MODE = "WORKBENCH_RENDERING_MODE"
ENV_VGL_DISPLAY = "WORKBENCH_VGL_DISPLAY"
ENV_SIDECAR_DISPLAY = "WORKBENCH_SIDECAR_DISPLAY"
ENV_SIDECAR_TIMEOUT = "WORKBENCH_SIDECAR_TIMEOUT"
#: Every variable of the contract (the pod wiring sets exactly these).
ENV_VARS = (ENV_MODE, ENV_VGL_DISPLAY, ENV_SIDECAR_DISPLAY, ENV_SIDECAR_TIMEOUT)
DEFAULT_SIDECAR_DISPLAY = ":0"
DEFAULT_SIDECAR_TIMEOUT = 60.0
DEFAULT_EGL_DEVICE = "egl0"
X11_SOCKET_DIR = "/tmp/.X11-unix"

_DISPLAY = re.compile(r"^(?P<host>[A-Za-z0-9_.\-/]*):(?P<number>\d+)(?:\.(?P<screen>\d+))?$")


def parse_display(display: str) -> tuple[str, int] | None:
    """``(host, number)`` of an X display name such as ``:0``, ``unix:1.0``; else ``None``."""
    match = _DISPLAY.match(display.strip())
    if not match:
        return None
    return match.group("host"), int(match.group("number"))


def is_x_display(value: str | None) -> bool:
    """Whether ``value`` names an X display (``:0``), not an EGL device (``egl0``)."""
    return bool(value) and parse_display(value or "") is not None


def rendering_settings(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The rendering settings of this pod, from ``environ`` (default: ``os.environ``).

    Returns a dict with ``mode`` (one of :data:`MODES`, or ``None`` = auto),
    ``vgl_display`` (the 3D X display for the sidecar mode, or ``None``), ``egl_device``
    (``VGL_DISPLAY`` for the EGL back end), ``sidecar_display``, ``sidecar_timeout``
    (seconds, or ``None`` when neither set nor implied by the sidecar mode), ``source``
    and ``warnings`` (invalid values, ignored).
    """
    env = os.environ if environ is None else environ
    warnings: list[str] = []
    raw_mode = env.get(ENV_MODE, "").strip().lower()
    mode: str | None = None
    if raw_mode in MODES:
        mode = raw_mode
    elif raw_mode not in {"", "auto"}:
        warnings.append(f"{ENV_MODE}={raw_mode!r} is not one of {', '.join(MODES)}: ignored")

    sidecar_display = env.get(ENV_SIDECAR_DISPLAY, "").strip() or DEFAULT_SIDECAR_DISPLAY
    if not is_x_display(sidecar_display):
        warnings.append(f"{ENV_SIDECAR_DISPLAY}={sidecar_display!r} is not an X display: ignored")
        sidecar_display = DEFAULT_SIDECAR_DISPLAY

    vgl = env.get(ENV_VGL_DISPLAY, "").strip()
    vgl_display: str | None = None
    egl_device = DEFAULT_EGL_DEVICE
    if vgl and is_x_display(vgl):
        vgl_display = vgl
    elif vgl:
        egl_device = vgl  # egl0, egl1, /dev/dri/card0 …
    if mode == "sidecar" and vgl_display is None:
        vgl_display = sidecar_display

    timeout: float | None = None
    raw_timeout = env.get(ENV_SIDECAR_TIMEOUT, "").strip()
    if raw_timeout:
        try:
            timeout = float(raw_timeout)
            if timeout <= 0:
                raise ValueError
        except ValueError:
            warnings.append(f"{ENV_SIDECAR_TIMEOUT}={raw_timeout!r} is not a positive number")
            timeout = None
    if timeout is None and mode == "sidecar":
        timeout = DEFAULT_SIDECAR_TIMEOUT

    return {
        "mode": mode,
        "vgl_display": vgl_display,
        "egl_device": egl_device,
        "sidecar_display": sidecar_display,
        "sidecar_timeout": timeout,
        "source": ENV_MODE if mode else "default",
        "warnings": warnings,
    }


def pod_environment(
    mode: str,
    *,
    sidecar_display: str = DEFAULT_SIDECAR_DISPLAY,
    sidecar_timeout: float = DEFAULT_SIDECAR_TIMEOUT,
    egl_device: str = DEFAULT_EGL_DEVICE,
) -> dict[str, str]:
    """The contract variables for a pod rendering in ``mode`` (used by the pod wiring)."""
    if mode not in MODES:
        raise ValueError(f"rendering mode must be one of {', '.join(MODES)}, not {mode!r}")
    if not is_x_display(sidecar_display):
        raise ValueError(f"sidecar display must look like ':0', not {sidecar_display!r}")
    env = {ENV_MODE: mode}
    if mode == "sidecar":
        env[ENV_VGL_DISPLAY] = sidecar_display
        env[ENV_SIDECAR_DISPLAY] = sidecar_display
        env[ENV_SIDECAR_TIMEOUT] = f"{sidecar_timeout:g}"
    elif mode == "egl":
        env[ENV_VGL_DISPLAY] = egl_device
    return env


# --- X11 handshake ------------------------------------------------------------------------


def _xauth_entries(path: str) -> list[tuple[int, bytes, str, str, bytes]]:
    """Entries (family, address, display number, auth name, data) of an Xauthority file."""
    try:
        data = Path(path).read_bytes()
    except OSError:
        return []
    entries = []
    pos = 0

    def field() -> bytes:
        nonlocal pos
        (length,) = struct.unpack_from(">H", data, pos)
        value = data[pos + 2 : pos + 2 + length]
        pos += 2 + length
        return value

    try:
        while pos < len(data):
            (family,) = struct.unpack_from(">H", data, pos)
            pos += 2
            address, number, name, secret = field(), field(), field(), field()
            entries.append((family, address, number.decode(), name.decode(), secret))
    except (struct.error, UnicodeDecodeError):
        pass
    return entries


def _cookie(number: int, xauthority: str | None) -> tuple[bytes, bytes]:
    """``(auth name, auth data)`` for a local display from an Xauthority file, if any."""
    path = xauthority or os.environ.get("XAUTHORITY") or os.path.expanduser("~/.Xauthority")
    for family, address, display, name, secret in _xauth_entries(path):
        local = family in {256, 65535} or address == socket.gethostname().encode()
        if local and display in {str(number), ""} and name == "MIT-MAGIC-COOKIE-1":
            return name.encode(), secret
    return b"", b""


def _pad(n: int) -> int:
    return (4 - n % 4) % 4


def _setup_request(auth_name: bytes, auth_data: bytes) -> bytes:
    head = struct.pack("<BxHHHHxx", 0x6C, 11, 0, len(auth_name), len(auth_data))
    return (
        head + auth_name + b"\0" * _pad(len(auth_name)) + auth_data + b"\0" * _pad(len(auth_data))
    )


def _recv_exact(sock: socket.socket, size: int) -> bytes:
    chunks = b""
    while len(chunks) < size:
        chunk = sock.recv(size - len(chunks))
        if not chunk:
            raise ConnectionError("the X server closed the connection during the handshake")
        chunks += chunk
    return chunks


def _parse_setup_reply(head: bytes, body: bytes) -> dict[str, Any]:
    status = head[0]
    if status == 0:
        reason_len = head[1]
        reason = body[:reason_len].decode("latin-1").strip()
        return {"status": "failed", "detail": reason or "connection refused"}
    if status == 2:
        return {"status": "authenticate", "detail": body.decode("latin-1").strip("\0 ")}
    (release,) = struct.unpack_from("<I", body, 0)
    vendor_len, _max_req, n_screens, n_formats = struct.unpack_from("<HHBB", body, 16)
    vendor = body[32 : 32 + vendor_len].decode("latin-1")
    info: dict[str, Any] = {"status": "success", "vendor": vendor, "release": release}
    screen_at = 32 + vendor_len + _pad(vendor_len) + 8 * n_formats
    if n_screens and len(body) >= screen_at + 24:
        width, height = struct.unpack_from("<HH", body, screen_at + 20)
        info["screen"] = f"{width}x{height}"
    return info


def _socket_candidates(number: int, socket_dir: str) -> list[tuple[str, str | bytes]]:
    path = os.path.join(socket_dir, f"X{number}")
    found: list[tuple[str, str | bytes]] = [(path, path)]
    if os.uname().sysname == "Linux":
        found.append((f"@{path}", b"\0" + path.encode()))  # Xorg's abstract socket
    return found


def x11_handshake(
    display: str,
    *,
    socket_dir: str = X11_SOCKET_DIR,
    xauthority: str | None = None,
    timeout: float = 2.0,
) -> dict[str, Any]:
    """One attempt at the X11 connection setup on a local ``display``.

    Returns ``{"status": "success"|"failed"|"authenticate"|"unreachable", "detail", …}``
    with ``vendor``, ``release`` and ``screen`` on success, and the socket tried.
    """
    parsed = parse_display(display)
    if parsed is None:
        return {"status": "invalid", "detail": f"{display!r} is not an X display name"}
    host, number = parsed
    if host not in {"", "unix", "localhost"} and not host.startswith("/"):
        return {"status": "invalid", "detail": f"only local displays are supported ({display})"}
    errors = []
    for label, address in _socket_candidates(number, socket_dir):
        try:
            info = x11_setup(address, number, xauthority=xauthority, timeout=timeout)
            info["socket"] = label
            return info
        except (OSError, ConnectionError, struct.error) as err:
            errors.append(f"{label}: {getattr(err, 'strerror', None) or err}")
    return {"status": "unreachable", "detail": "; ".join(errors)}


def x11_setup(
    address: str | bytes, number: int, *, xauthority: str | None = None, timeout: float = 2.0
) -> dict[str, Any]:
    """The X11 connection setup on one unix socket ``address`` for display ``number``.

    Returns the parsed reply (``status`` ``success``/``failed``/``authenticate``, …);
    raises ``OSError``/``ConnectionError`` when nothing answers there.
    """
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(address)
        sock.sendall(_setup_request(*_cookie(number, xauthority)))
        head = _recv_exact(sock, 8)
        (extra,) = struct.unpack_from("<H", head, 6)
        body = _recv_exact(sock, 4 * extra)
        return _parse_setup_reply(head, body)
    finally:
        sock.close()


async def wait_for_x_server(
    display: str,
    timeout: float = DEFAULT_SIDECAR_TIMEOUT,
    *,
    socket_dir: str = X11_SOCKET_DIR,
    xauthority: str | None = None,
    interval: float = 0.2,
) -> dict[str, Any]:
    """Poll ``display`` until an X server completes the X11 handshake or ``timeout`` passes.

    Returns a dict: ``ok`` (= ``ready``: the handshake succeeded), ``reachable`` (something
    answered on the socket), ``display``, ``socket``, ``vendor``, ``screen``, ``elapsed``
    (seconds), ``attempts``, and ``reason``/``message`` (why not, or what answered).
    """
    loop = asyncio.get_running_loop()
    start = time.monotonic()
    deadline = start + max(0.0, timeout)
    attempts = 0
    last: dict[str, Any] = {}
    while True:
        attempts += 1
        last = await loop.run_in_executor(
            None,
            lambda: x11_handshake(
                display, socket_dir=socket_dir, xauthority=xauthority, timeout=2.0
            ),
        )
        if last["status"] in {"success", "invalid"}:
            break
        if time.monotonic() + interval > deadline:
            break
        await asyncio.sleep(interval)
    elapsed = round(time.monotonic() - start, 3)
    ok = last["status"] == "success"
    report: dict[str, Any] = {
        "ok": ok,
        "ready": ok,
        "reachable": last["status"] in {"success", "failed", "authenticate"},
        "display": display,
        "socket": last.get("socket"),
        "vendor": last.get("vendor"),
        "screen": last.get("screen"),
        "elapsed": elapsed,
        "attempts": attempts,
    }
    if ok:
        text = f"X server {display} is ready ({last.get('vendor')}, screen {last.get('screen')})"
    elif last["status"] in {"failed", "authenticate"}:
        text = f"X server {display} refused the connection: {last.get('detail')}"
    elif last["status"] == "invalid":
        text = str(last.get("detail"))
    else:
        text = (
            f"no X server answered on {display} within {timeout:g} s "
            f"({attempts} attempts; {last.get('detail')})"
        )
    report["reason"] = report["message"] = text
    return report
