"""``jupyter workbench kube …``: KubeSpawner / Zero-to-JupyterHub recipes.

``values --catalogue FILE [--format yaml|python]``
    Print a Z2JH values snippet (``singleuser.profileList`` + the merge-safe hub prelude), or
    with ``--format python`` a ``hub.extraConfig`` Python snippet.
``validate --catalogue FILE``
    Check a catalogue and list its problems.
``xorg-config --bus-id 00000000:3B:00.0 [--virtual WxH] [--driver nvidia]``
    Print the headless Xorg config of the sidecar.
"""

from __future__ import annotations

import argparse
import sys

from .catalogue import CatalogueError, load_catalogue


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jupyter workbench kube", description="KubeSpawner / Zero-to-JupyterHub recipes"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    values = sub.add_parser("values", help="print Z2JH values (or hub.extraConfig Python)")
    values.add_argument("--catalogue", required=True, help="catalogue file (.yaml or .json)")
    values.add_argument("--format", choices=["yaml", "python"], default="yaml")
    check = sub.add_parser("validate", help="validate a catalogue")
    check.add_argument("--catalogue", required=True)
    xorg = sub.add_parser("xorg-config", help="print the sidecar's Xorg config")
    xorg.add_argument("--bus-id", required=True, help="nvidia-smi pci.bus_id")
    xorg.add_argument("--virtual", default="1920x1080")
    xorg.add_argument("--driver", default="nvidia")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the ``kube`` sub-command; returns the exit status."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    try:
        if args.command == "xorg-config":
            from ..core.xorgconf import xorg_config

            sys.stdout.write(xorg_config(args.bus_id, driver=args.driver, virtual=args.virtual))
            return 0
        catalogue = load_catalogue(args.catalogue)
        if args.command == "validate":
            print(f"{args.catalogue}: OK ({len(catalogue['profiles'])} profiles)")
            return 0
        from .values import extra_config_python, values_yaml

        text = extra_config_python(catalogue) if args.format == "python" else values_yaml(catalogue)
        sys.stdout.write(text)
        return 0
    except CatalogueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
