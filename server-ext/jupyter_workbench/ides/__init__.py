"""Helpers for the web IDE backends (VS Code, RStudio)."""
