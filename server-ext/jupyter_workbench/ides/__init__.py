"""The web IDEs feature: VS Code and RStudio Server behind jupyter-server-proxy.

``plugin`` (:class:`~.plugin.IDEsFeature`, what the app wires), ``vscode``
(:class:`~.vscode.VSCodeBackend`), ``rstudio`` (:class:`~.rstudio.RStudioBackend`,
``WorkbenchRStudio``), ``noderange`` (code-server's Node.js range), ``keyfiles`` (RStudio's
unreadable key files), ``rewrite`` (RStudio's ``Location`` rewriting).
"""
