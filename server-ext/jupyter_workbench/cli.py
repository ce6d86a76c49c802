"""``jupyter workbench`` command line: dispatches to the feature CLIs.

``jupyter workbench gpu …``   GPU snapshot and health verdict
(see :mod:`jupyter_workbench.gpu.cli`).
``jupyter workbench kube …``  KubeSpawner / Zero-to-JupyterHub recipes (see
:mod:`jupyter_workbench.kubespawner.cli`).
"""

from __future__ import annotations

import sys
from collections.abc import Callable


def _gpu(argv: list[str]) -> int:
    from .gpu.cli import main

    return main(argv)


def _kube(argv: list[str]) -> int:
    from .kubespawner.cli import main

    return main(argv)


#: Sub-command name → (its ``main(argv) -> int``, help). Each imports its feature only
#: when run, so ``jupyter workbench kube`` never loads the GPU code (and vice versa).
SUBCOMMANDS: dict[str, tuple[Callable[[list[str]], int], str]] = {
    "gpu": (_gpu, "GPU status and health verdict"),
    "kube": (_kube, "KubeSpawner / Zero-to-JupyterHub recipes"),
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
    run, _ = entry
    return int(run(args[1:]) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
