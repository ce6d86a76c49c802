"""``jupyter workbench`` command line: dispatches to the feature CLIs.

``jupyter workbench gpu …``   GPU snapshot and health verdict
(see :mod:`jupyter_workbench.gpu.cli`).
``jupyter workbench kube …``  KubeSpawner / Zero-to-JupyterHub recipes (see
:mod:`jupyter_workbench.kubespawner.cli`).
"""

from __future__ import annotations

import importlib
import sys

#: Sub-command name → module whose ``main(argv: list[str]) -> int`` runs it.
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "gpu": ("jupyter_workbench.gpu.cli", "GPU status and health verdict"),
    "kube": ("jupyter_workbench.kubespawner.cli", "KubeSpawner / Zero-to-JupyterHub recipes"),
}


def _usage() -> str:
    lines = ["usage: jupyter workbench <command> [options]", "", "commands:"]
    lines += [f"  {name:<6} {help_}" for name, (_, help_) in SUBCOMMANDS.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run ``jupyter workbench`` with ``argv`` (defaults to ``sys.argv[1:]``)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help", "help"}:
        print(_usage())
        return 0
    if args[0] in {"--version", "-V"}:
        from ._version import __version__

        print(__version__)
        return 0
    entry = SUBCOMMANDS.get(args[0])
    if entry is None:
        print(f"jupyter workbench: unknown command {args[0]!r}\n\n{_usage()}", file=sys.stderr)
        return 2
    module = importlib.import_module(entry[0])
    return int(module.main(args[1:]) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
