"""Backends: what the supervisor runs and jupyter-server-proxy proxies."""
