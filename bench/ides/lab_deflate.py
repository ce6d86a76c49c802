"""JupyterLab with Workbench, but the backend WebSocket leg as jupyter-server-proxy opens it
(permessage-deflate offered): the "before" side of the bench's A/B. Bench-only; the patch
lives in this process alone."""

from __future__ import annotations

import sys
from typing import Any  # Any: jupyter-server-proxy's callbacks are untyped

from jupyter_server_proxy.websocket import pingable_ws_connect
from jupyter_workbench.core import proxy
from jupyterlab.labapp import main


async def deflating_connect(
    request: Any,
    on_message_callback: Any,
    on_ping_callback: Any,
    subprotocols: Any,
    resolver: Any,
) -> Any:
    """jupyter-server-proxy's own connect, which offers permessage-deflate."""
    return await pingable_ws_connect(
        request=request,
        on_message_callback=on_message_callback,
        on_ping_callback=on_ping_callback,
        subprotocols=subprotocols,
        resolver=resolver,
    )


if __name__ == "__main__":
    proxy.connect_backend_ws = deflating_connect  # type: ignore[assignment]
    sys.exit(main())
