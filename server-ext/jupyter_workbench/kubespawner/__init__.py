"""KubeSpawner / Zero-to-JupyterHub recipes: vGPU choices in the spawn form and the
VirtualGL/Xorg sidecar wiring, built from a declarative GPU catalogue.

Pure Python: importing this package does not import KubeSpawner (tests do, to validate
the pods it builds). Entry points: :func:`.catalogue.load_catalogue`,
:func:`.profiles.build_profile_list`, :func:`.xorg.xorg_conf` and the
``jupyter workbench kube`` CLI (:mod:`.cli`).

Environment the pod wiring sets, read by the desktop at run time
(:mod:`jupyter_workbench.desktop.modes`):

``WORKBENCH_RENDERING_MODE``  ``egl`` | ``sidecar`` | ``software``
``WORKBENCH_VGL_DISPLAY``     ``egl0`` (EGL back end) or ``:0`` (the sidecar's 3D X server)
``WORKBENCH_SIDECAR_DISPLAY`` the sidecar's display (``:0``)
``WORKBENCH_SIDECAR_TIMEOUT`` seconds to wait for the sidecar's X server (default 60)
"""
