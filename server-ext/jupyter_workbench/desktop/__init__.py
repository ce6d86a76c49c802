"""The remote desktop feature: Xvnc + a session, viewed with noVNC, optionally on VirtualGL.

Modules:

``plugin``
    :class:`~.plugin.DesktopFeature`: what the app wires (backends, routes, renderer reports).
``backend``
    :class:`~.backend.WorkbenchDesktop` (the profiles and shared settings) and
    :class:`~.backend.DesktopBackend` (one per profile).
``handlers``
    The REST routes ``api/desktops`` and ``api/desktops/{name}/renderer``.
``launch``
    The process the supervisor runs (as a script, ``python -S .../launch.py``, standard
    library only): starts Xvnc, reads its display number, runs the session, exits when
    either ends.
``xutil``
    X display helpers: stale lock/socket cleanup, private Xauthority cookies.
``modes``
    Rendering mode selection (sidecar → VirtualGL EGL → software) and the renderer check.
``probe``
    A throwaway Xvnc for one ``glxinfo -B`` (the GPU panel's OpenGL check, no desktop running).
``activity``
    Counts only user input (RFB key/pointer events) as activity for idle culling.
"""
