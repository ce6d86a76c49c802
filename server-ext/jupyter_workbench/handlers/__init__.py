"""REST and WebSocket handlers of the Workbench server extension."""
