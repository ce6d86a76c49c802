"""Start on intent: backends started because the user is about to open them, stopped if not.

The launcher asks for an *intent start* (``POST backends/{name}/start`` with
``{"intent": true}``) when the pointer rests on a backend's tile or the tile gets keyboard
focus, so that the cold start overlaps the user's reach for the click. Such a start is
tracked here with a deadline (``WorkbenchApp.intent_timeout`` seconds): when the backend is
opened before it (a request or WebSocket proxied to it), it simply keeps running; when it is
not, it is stopped again, so hovering over tiles does not leave backends running.

Never stopped by a deadline: a backend that was already starting or running before the
intent start, one the user then started, stopped or restarted explicitly, and one that was
opened. :meth:`IntentStarts.claim` (the explicit actions) and :meth:`IntentStarts.opened`
(the proxy) take a backend out of the intent bookkeeping.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from .supervisor import ManagedProcess, State

#: The default of ``WorkbenchApp.intent_timeout``: seconds an intent start waits to be opened.
DEFAULT_TIMEOUT = 60.0


class IntentStarts:
    """The backends started on intent and not opened yet, each with its deadline."""

    def __init__(self, timeout: float = DEFAULT_TIMEOUT, log: logging.Logger | None = None) -> None:
        """Stop intent-started backends not opened within ``timeout`` s (0: no intent starts)."""
        self.timeout = timeout
        self.log = log or logging.getLogger(__name__)
        #: name → epoch seconds after which the backend is stopped unless opened.
        self._deadlines: dict[str, float] = {}
        self._timers: dict[str, asyncio.Task[None]] = {}
        self._starts: set[asyncio.Task[State]] = set()

    @property
    def enabled(self) -> bool:
        """Whether intent starts are allowed (``intent_timeout > 0``)."""
        return self.timeout > 0

    def deadline(self, name: str) -> float | None:
        """Epoch seconds when ``name`` is stopped unless opened; None when it is not pending."""
        return self._deadlines.get(name)

    async def start(self, managed: ManagedProcess) -> None:
        """Start ``managed`` in the background on intent, with a deadline to be opened.

        Returns once the start is under way (the state says so), not when it is done.

        A backend that is already starting or running is left alone (and never tracked: it
        was not started on intent); a repeated intent for a pending one moves its deadline.
        """
        if not self.enabled:
            raise RuntimeError("intent starts are disabled (intent_timeout = 0)")
        name = managed.backend.name
        if name not in self._deadlines and managed.state in {State.STARTING, State.RUNNING}:
            return
        self._deadlines[name] = time.time() + self.timeout
        timer = self._timers.pop(name, None)
        if timer is not None:
            timer.cancel()
        self._timers[name] = asyncio.ensure_future(self._expire(managed))
        if managed.state != State.RUNNING:
            task = asyncio.ensure_future(managed.start())
            self._starts.add(task)
            task.add_done_callback(self._starts.discard)
            await _under_way(managed, task)
        self.log.info("[workbench] %s: started on intent (%g s to be opened)", name, self.timeout)

    def opened(self, name: str) -> None:
        """``name`` was opened: it is the user's now, and keeps running."""
        if self._forget(name):
            self.log.info("[workbench] %s: opened after an intent start; kept", name)

    def claim(self, name: str) -> None:
        """``name`` was started, stopped or restarted explicitly: no deadline applies."""
        self._forget(name)

    async def close(self) -> None:
        """Cancel every deadline and pending start (at server shutdown)."""
        tasks = [*self._timers.values(), *self._starts]
        self._deadlines.clear()
        self._timers.clear()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    def _forget(self, name: str) -> bool:
        timer = self._timers.pop(name, None)
        if timer is not None and timer is not asyncio.current_task():
            timer.cancel()
        return self._deadlines.pop(name, None) is not None

    async def _expire(self, managed: ManagedProcess) -> None:
        name = managed.backend.name
        while True:
            deadline = self._deadlines.get(name)
            if deadline is None:
                return
            left = deadline - time.time()
            if left <= 0:
                break
            await asyncio.sleep(left)
        self._forget(name)
        self.log.info(
            "[workbench] %s: not opened within %g s of its intent start; stopping",
            name,
            self.timeout,
        )
        await managed.stop()


async def _under_way(managed: ManagedProcess, task: asyncio.Task[State]) -> None:
    """Wait until ``managed`` has left stopped/failed, or its start ``task`` has ended."""
    while managed.state in {State.STOPPED, State.FAILED} and not task.done():
        changed = asyncio.ensure_future(managed.changed.wait())
        try:
            done, _ = await asyncio.wait(
                {task, changed}, timeout=5, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            changed.cancel()
        if not done:
            return  # no news in 5 s: answer with what there is
