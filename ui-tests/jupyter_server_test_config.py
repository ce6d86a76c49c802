"""JupyterLab server configuration for the Galata tests.

The server runs under a JupyterHub-like base URL (/user/alice/) with an empty token
(galata's helper), the Workbench extension, and a custom backend ("hello", a tiny web
app from the pytest programs) registered through config as an admin would.
"""

import os
import sys
import tempfile
from pathlib import Path

from jupyterlab.galata import configure_jupyter_server

HERE = Path(__file__).parent
REPO = HERE.parent
PROGRAMS = REPO / "server-ext" / "tests" / "programs"

c = get_config()  # noqa: F821

configure_jupyter_server(c)
c.ServerApp.base_url = "/user/alice/"
c.ServerApp.allow_root = True
c.ServerApp.root_dir = os.environ.get("WORKBENCH_UI_ROOT") or tempfile.mkdtemp(
    prefix="workbench-ui-"
)
c.LabApp.expose_app_in_browser = True

c.WorkbenchApp.backends = {
    "hello": {
        "title": "Hello App",
        "description": "A tiny web app registered by config (test)",
        "command": [
            sys.executable,
            str(PROGRAMS / "webapp.py"),
            "{unix_socket}",
            "--title",
            "Hello from the Workbench",
            "--ready-after",
            "1",
        ],
        "readiness": {"kind": "http", "path": "/", "timeout": 20},
        "open_in": "tab",
    },
    # An app whose program is not installed: its tile must say why and what to install.
    "notes": {
        "title": "Lab Notes",
        "command": ["lab-notes-server", "--socket", "{unix_socket}"],
        "install_hint": "pip install lab-notes-server (https://pypi.org/project/lab-notes-server/)",
    },
}

# Start on intent: a backend started because the pointer rests on its tile is stopped again
# after 4 s unless opened (intent.spec.ts; the launcher setting is off unless a spec opts in).
c.WorkbenchApp.intent_timeout = 4

# Feature-specific settings (desktop, IDE doubles, GPU replay) are added below.

# RStudio Server cannot be installed on test machines: a clearly labelled double of
# `rserver` (server-ext/tests/ides/doubles/rserver) stands in for it. code-server is real
# (installed by `make` into .tools/bin, which the Makefile puts on PATH).
os.environ["PATH"] = os.pathsep.join(
    [
        str(REPO / "server-ext" / "tests" / "ides" / "doubles"),
        str(REPO / ".tools" / "bin"),
        os.environ.get("PATH", ""),
    ]
)
c.VSCodeBackend.user_data_dir = os.path.join(
    tempfile.mkdtemp(prefix="wb-vscode-"), "data"
)
c.VSCodeBackend.extensions_dir = os.path.join(
    tempfile.mkdtemp(prefix="wb-vscode-"), "ext"
)

# Desktop profiles: the default one, a second one (several desktops at once) and one that
# requires a GPU (fails here with its reason, as it should without a GPU). The specs paint
# the root window (xsetroot): openbox, whose root stays visible (XFCE's desktop covers it).
c.WorkbenchDesktop.profiles = [
    {"name": "desktop", "title": "Desktop", "session": ["openbox-session"]},
    {"name": "desktop2", "title": "Second Desktop", "session": ["openbox-session"]},
    {"name": "desktop3d", "title": "3D Desktop", "gpu": "require"},
]
