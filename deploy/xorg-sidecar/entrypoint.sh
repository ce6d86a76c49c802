#!/bin/sh
# Generate the NVIDIA Xorg config for the GPU this container was given, then run Xorg :0
# on the shared /tmp/.X11-unix (an emptyDir shared with the notebook container).
set -eu
BUS_ID="$(nvidia-smi --query-gpu=pci.bus_id --format=csv,noheader | head -n1)"
[ -n "$BUS_ID" ] || { echo "no GPU visible to the sidecar" >&2; exit 1; }
python3 - "$BUS_ID" > /etc/X11/xorg.conf <<'PY'
import re, sys
m = re.match(r"^(?:([0-9a-fA-F]+):)?([0-9a-fA-F]+):([0-9a-fA-F]+)\.([0-7])$", sys.argv[1].strip())
domain, bus, dev, fn = (int(x or "0", 16) for x in m.groups())
print(f'''Section "ServerFlags"
    Option "DontVTSwitch" "true"
    Option "AutoAddGPU" "false"
    Option "AutoAddDevices" "false"
EndSection
Section "Device"
    Identifier "gpu0"
    Driver "nvidia"
    BusID "PCI:{bus}@{domain}:{dev}:{fn}"
    Option "AllowEmptyInitialConfiguration" "true"
    Option "UseDisplayDevice" "none"
EndSection
Section "Screen"
    Identifier "screen0"
    Device "gpu0"
    DefaultDepth 24
    SubSection "Display"
        Depth 24
        Virtual 1920 1080
    EndSubSection
EndSection''')
PY
mkdir -p /tmp/.X11-unix && chmod 1777 /tmp/.X11-unix
exec Xorg :0 -config /etc/X11/xorg.conf -novtswitch -sharevts -nolisten tcp -noreset +extension GLX
