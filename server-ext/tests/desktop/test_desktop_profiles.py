"""Desktop profiles: a 3D (gpu: require) desktop is told apart from the plain one."""

from __future__ import annotations


def test_a_3d_desktop_has_its_own_icon_and_tooltip():
    from traitlets.config import Configurable

    from jupyter_workbench.desktop.backend import WorkbenchDesktop, profile_backend

    parent = Configurable()
    settings = WorkbenchDesktop(parent=parent)
    plain = profile_backend({"name": "desktop"}, settings, parent)
    gpu = profile_backend({"name": "viz", "gpu": "require"}, settings, parent)
    assert plain.icon == "desktop"
    assert gpu.icon == "desktop-3d" and gpu.description != plain.description
    assert "3D" in gpu.description
    named = profile_backend(
        {"name": "viz", "gpu": "require", "description": "Mine"}, settings, parent
    )
    assert named.description == "Mine"
