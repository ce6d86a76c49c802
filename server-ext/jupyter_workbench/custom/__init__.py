"""Admin-defined backends (``c.WorkbenchApp.backends``): ``backend`` (:class:`CommandBackend`),
``plugin`` (:class:`~.plugin.CustomFeature`, what the app wires)."""
