"""The remote desktop feature: Xvnc + a session, viewed with noVNC, optionally on VirtualGL.

Modules:

``xutil``
    X display helpers: stale lock/socket cleanup, private Xauthority cookies.
``launch``
    The process the supervisor runs (``python -m jupyter_workbench.desktop.launch``):
    starts Xvnc, reads its display number, runs the session, exits when either ends.
``modes``
    Rendering mode selection (sidecar → VirtualGL EGL → software) and the renderer check.
``activity``
    Counts only user input (RFB key/pointer events) as activity for idle culling.
``feature``
    The REST route ``api/desktops/{name}/renderer`` and the ``desktop_renderer`` hook.
"""
