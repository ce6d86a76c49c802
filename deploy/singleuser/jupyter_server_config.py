"""Pod settings for Jupyter Workbench (installed into /etc/jupyter by the single-user image).

The rendering variables (WORKBENCH_RENDERING_MODE, WORKBENCH_VGL_DISPLAY,
WORKBENCH_SIDECAR_DISPLAY, WORKBENCH_SIDECAR_TIMEOUT) are read by
jupyter_workbench.core.rendering itself; only the desktop size chosen in the spawn form needs
turning into config here.
"""

import os

c = get_config()  # noqa: F821 (provided by Jupyter's config loader)

geometry = os.environ.get("WORKBENCH_DESKTOP_GEOMETRY", "").strip()
if geometry:
    c.WorkbenchDesktop.geometry = geometry
