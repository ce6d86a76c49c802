"""The windows open on a running desktop are counted (the UI asks before Stop closes them)."""

from __future__ import annotations

from desktop_helpers import needs_xvnc, start

from jupyter_workbench.desktop.windows import (
    is_application,
    parse_client_list,
    parse_properties,
    title_of,
)

pytestmark = needs_xvnc

#: `xprop` output captured on an XFCE desktop (xfce4-panel, xfdesktop and a terminal).
XPROP_ROOT = "_NET_CLIENT_LIST: window id # 0x1200003, 0x1400004, 0x1e00004\n"
XPROP_PANEL = (
    "_NET_WM_WINDOW_TYPE = _NET_WM_WINDOW_TYPE_DOCK\n"
    "_NET_WM_STATE = _NET_WM_STATE_SKIP_PAGER, _NET_WM_STATE_SKIP_TASKBAR, _NET_WM_STATE_STICKY\n"
    '_NET_WM_NAME = "xfce4-panel"\n'
    'WM_NAME = "xfce4-panel"\n'
)
XPROP_TERMINAL = (
    "_NET_WM_WINDOW_TYPE = _NET_WM_WINDOW_TYPE_NORMAL\n"
    "_NET_WM_STATE:  not found.\n"
    '_NET_WM_NAME = "user@host: ~"\n'
    'WM_NAME = "user@host: ~"\n'
)


def test_client_list_and_properties_are_parsed():
    assert parse_client_list(XPROP_ROOT) == ["0x1200003", "0x1400004", "0x1e00004"]
    assert parse_client_list("_NET_CLIENT_LIST:  not found.\n") is None
    panel = parse_properties(XPROP_PANEL)
    assert not is_application(panel)
    terminal = parse_properties(XPROP_TERMINAL)
    assert is_application(terminal) and title_of(terminal) == "user@host: ~"
    assert "_NET_WM_STATE" not in terminal


async def test_windows_are_counted_on_a_running_desktop(api):
    code, data = await api("GET", "desktops", "desktop", "windows")
    assert code == 409 and "not running" in data["error"]["message"]
    code, data = await api("GET", "desktops", "nosuch", "windows")
    assert code == 404
    await start(api)
    code, data = await api("GET", "desktops", "desktop", "windows")
    assert code == 200, data
    # twm keeps no EWMH client list: the windows cannot be counted there (null).
    assert data["name"] == "desktop" and data["count"] is None and data["titles"] == []
