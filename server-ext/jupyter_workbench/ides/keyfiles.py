"""Check that the files RStudio Server reads at start are readable by this user.

RStudio Server 2026.05+ started as a non-root user (as in JupyterHub sessions) fails when
its configuration or key files are root-only (jupyter-rsession-proxy #187). We look first
and say which file and how to fix it, instead of a failed start with a cryptic log.
"""

from __future__ import annotations

import os

#: Files RStudio Server reads when present (config dirs may be moved by RSTUDIO_CONFIG_DIR).
RSTUDIO_FILES = (
    "rserver.conf",
    "rsession.conf",
    "database.conf",
    "logging.conf",
    "secure-cookie-key",
)


def unreadable_files(config_dir: str | None = None) -> list[str]:
    """Existing RStudio config/key files this user cannot read."""
    directory = config_dir or os.environ.get("RSTUDIO_CONFIG_DIR") or "/etc/rstudio"
    out = []
    for name in RSTUDIO_FILES:
        path = os.path.join(directory, name)
        if os.path.exists(path) and not os.access(path, os.R_OK):
            out.append(path)
    return out


def fix_hint(paths: list[str]) -> str:
    """What an admin runs to fix it."""
    return (
        "Ask your administrator to make them readable by session users, e.g. "
        f"`chmod 0644 {' '.join(paths)}` (or point RSTUDIO_CONFIG_DIR at a readable copy)"
    )
