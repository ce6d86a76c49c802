#!/bin/sh
# The benchmark's desktop session, the same for every path measured: openbox and one
# focused xterm. When BENCH_SESSION_INFO is set, "$DISPLAY $XAUTHORITY" is written there
# so the benchmark can start its animation inside this session.
if [ -n "$BENCH_SESSION_INFO" ]; then
  printf '%s %s\n' "$DISPLAY" "${XAUTHORITY:-$HOME/.Xauthority}" > "$BENCH_SESSION_INFO"
fi
xset s off -dpms 2>/dev/null
(sleep 0.5; exec xterm -geometry 100x30+40+40) &
exec openbox
