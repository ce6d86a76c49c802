"""Stop means stopped: processes the session started outside its process group too.

XFCE's session starts ssh-agent and gpg-agent, which daemonize into their own session, so
killing the desktop's process group leaves them behind. The launcher marks the session's
environment and stops every process of ours that carries the mark.
"""

from __future__ import annotations

import os
import re

import pytest
from desktop_helpers import needs_xvnc, start, state_is, wait_until

from jupyter_workbench.desktop import launch, xutil

pytestmark = needs_xvnc

# A daemon that leaves the desktop's process group (setsid: a new session), as agents do.
SESSION = 'setsid sleep 3600 & echo "escaped pid $!"; exec sleep 3600'


@pytest.fixture
def desktop_config() -> dict:
    return {
        "profiles": [
            {"name": "desktop", "geometry": "800x600", "session": ["/bin/sh", "-c", SESSION]},
        ]
    }


def pgid(pid: int) -> int:
    with open(f"/proc/{pid}/stat", "rb") as handle:
        return int(handle.read().rsplit(b")", 1)[1].split()[2])


def environ(pid: int) -> list[bytes]:
    with open(f"/proc/{pid}/environ", "rb") as handle:
        return handle.read().split(b"\0")


async def test_stop_ends_daemons_that_left_the_process_group(api, workbench):
    data = await start(api)
    managed = workbench.supervisor.get("desktop")

    def escaped() -> int | None:
        for line in managed.logs:
            found = re.search(r"escaped pid (\d+)", line)
            if found:
                return int(found.group(1))
        return None

    pid = await wait_until(escaped, timeout=20)
    assert xutil.pid_alive(pid)
    session_pid = data["desktop"]["session_pid"]
    assert pgid(pid) != pgid(session_pid)  # out of the group a killpg reaches
    mark = next(v for v in environ(session_pid) if v.startswith(launch.SESSION_MARK.encode()))
    assert mark in environ(pid)

    code, _ = await api("POST", "backends", "desktop", "stop")
    assert code == 200
    await wait_until(lambda: state_is(api, "stopped"), timeout=20)
    assert not xutil.pid_alive(pid)
    # Nothing of ours carries the mark any more.
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            assert mark not in environ(int(entry)), f"pid {entry} survived the stop"
        except OSError:
            continue
