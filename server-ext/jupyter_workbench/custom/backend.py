"""Admin-defined backends, declared in ``c.WorkbenchApp.backends``.

Each entry maps a name to a dict, for example::

    c.WorkbenchApp.backends = {
        "notes": {
            "title": "Notes app",
            "command": ["notes-server", "--unix-socket", "{unix_socket}",
                        "--prefix", "{base_url}notes/"],
            "readiness": {"kind": "http", "path": "/healthz", "timeout": 20},
            "environment": {"NOTES_HOME": "{root_dir}"},
            "open_in": "tab",
            "icon": "/srv/icons/notes.svg",
        }
    }

Keys: ``title``, ``description``, ``command`` (required; list of strings with
``{unix_socket}``, ``{socket_dir}``, ``{base_url}``, ``{url}``, ``{root_dir}``, ``{name}``),
``environment``, ``cwd``, ``readiness`` (``kind`` http|rfb|socket, ``path``,
``accept_status``, ``timeout``), ``open_in`` (tab|window), ``allows_framing``,
``icon`` (built-in id, SVG markup or path to an .svg file), ``kind`` (web|desktop),
``install_hint``, ``restart_on_crash``, ``max_restarts``, ``stop_grace``, ``enabled``,
``proxy_options`` (extra jupyter-server-proxy options such as ``absolute_url``).
"""

from __future__ import annotations

import os
import shutil
from typing import Any  # Any: entries come from JSON-like config

from traitlets import List, Unicode

from ..core.backend import (
    Backend,
    BackendError,
    Detection,
    LaunchContext,
    LaunchPlan,
    load_icon,
    program_version,
)
from ..core.readiness import ReadinessProbe

_TRAIT_KEYS = {
    "title",
    "description",
    "open_in",
    "allows_framing",
    "kind",
    "restart_on_crash",
    "max_restarts",
    "stop_grace",
    "enabled",
    "environment",
    "proxy_options",
}
_KNOWN_KEYS = _TRAIT_KEYS | {"command", "cwd", "readiness", "icon", "install_hint", "version_args"}


class CommandBackend(Backend):
    """A backend whose command line comes from configuration."""

    command = List(Unicode(), help="Command template (first item is the program).")
    cwd = Unicode("", help="Working directory template; empty = Jupyter's root directory.")
    install_hint = Unicode("", help="What to install when the program is missing.")
    version_args = List(
        Unicode(), default_value=["--version"], help="Arguments that print the version."
    )
    readiness_config = ReadinessProbe()

    @classmethod
    def from_config(cls, name: str, spec: dict[str, Any], **kwargs: Any) -> CommandBackend:
        """Build a backend from one ``c.WorkbenchApp.backends`` entry; raise ``ValueError``."""
        if not isinstance(spec, dict):
            raise ValueError(f"backend {name!r}: the entry must be a dict")
        unknown = set(spec) - _KNOWN_KEYS
        if unknown:
            raise ValueError(f"backend {name!r}: unknown keys {sorted(unknown)}")
        command = spec.get("command")
        if (
            not command
            or not isinstance(command, list)
            or not all(isinstance(part, str) for part in command)
        ):
            raise ValueError(f"backend {name!r}: 'command' must be a non-empty list of strings")
        traits = {key: spec[key] for key in _TRAIT_KEYS if key in spec}
        traits.setdefault("title", name)
        backend = cls(name=name, command=command, **traits, **kwargs)
        backend.cwd = spec.get("cwd", "")
        backend.install_hint = spec.get("install_hint", "")
        if "version_args" in spec:
            backend.version_args = spec["version_args"]
        backend.icon = load_icon(spec.get("icon", ""))
        readiness = dict(spec.get("readiness") or {})
        if "accept_status" in readiness:
            readiness["accept_status"] = tuple(readiness["accept_status"])
        readiness.setdefault("timeout", backend.timeout)
        backend.readiness_config = ReadinessProbe(**readiness)
        return backend

    def readiness(self) -> ReadinessProbe:
        """The probe from the ``readiness`` entry (default: HTTP ``GET /``)."""
        return self.readiness_config

    async def detect(self) -> Detection:
        """Available when the command's program is found and executable."""
        program = self.command[0]
        path = program if os.path.isabs(program) else shutil.which(program)
        if not path or not os.access(path, os.X_OK):
            return Detection(
                available=False,
                reason=f"{program} was not found on PATH",
                install_hint=self.install_hint
                or f"Install {program} or fix its path in the config",
            )
        version = None
        if self.version_args:
            output = await program_version([path, *self.version_args], timeout=5.0)
            version = output.splitlines()[0] if output else None
        return Detection(available=True, version=version, executable=path)

    async def launch_plan(self, ctx: LaunchContext) -> LaunchPlan:
        """Fill the command template in."""
        args = ctx.template_args()
        try:
            argv = [part.format(**args) for part in self.command]
            cwd = self.cwd.format(**args) if self.cwd else ctx.root_dir
        except (KeyError, IndexError) as err:
            raise BackendError(f"unknown placeholder {err} in the command of {self.name}") from err
        return LaunchPlan(argv=argv, env=self.render_env(ctx), cwd=cwd)
