"""The Workbench core: what every feature builds on, and which imports no feature.

``backend``     Backend base class, Detection, LaunchContext, LaunchPlan, BackendError
``catalogue``   registered backends, their supervised processes and cached detections
``supervisor``  one supervised process group per backend (start, readiness, restart, stop)
``readiness``   readiness probes (HTTP on the unix socket, RFB banner, socket exists)
``loopback``    the unix-socket ↔ loopback-port bridge for programs without unix sockets
``proctable``   the /proc reader (process-group members)
``process``     the one subprocess runner (bounded time, combined output)
``proxy``       jupyter-server-proxy routes pointing at the backends' sockets
``handlers``    the JSON API handler base class (auth, JSON errors)
``api``         the REST API of the backend catalogue
``rendering``   the pod's rendering contract (``WORKBENCH_*`` variables) and the X11 wait
``feature``     the interface a feature offers the app (backends, handlers, teardown)
"""
