"""GPU status for the Workbench: parsers, model, health rules, one shared sampler, API.

``plugin`` (:class:`~.plugin.GPUFeature`, what the app wires), ``handlers`` (REST, WebSocket
and Prometheus routes), ``monitor`` (the shared sampler), ``sources``/``nvml``/``smi_query``/
``parse`` (where samples come from), ``model``/``health``/``procfs`` (what they mean),
``checks`` (CUDA and OpenGL checks), ``prometheus``, ``cli`` (``jupyter workbench gpu``).
"""
