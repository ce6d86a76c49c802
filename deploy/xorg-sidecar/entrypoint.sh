#!/bin/sh
# Start a headless Xorg on the pod's NVIDIA GPU (the 3D X server of VirtualGL's GLX back end).
#  - BusID from nvidia-smi (hex 00000000:3B:00.0), converted to Xorg's decimal PCI:59@0:0:0
#  - no display device, no VT switching, no TCP; socket in the shared /tmp/.X11-unix emptyDir
# Env: WORKBENCH_SIDECAR_DISPLAY (":0"), WORKBENCH_XORG_VIRTUAL ("1920x1080"),
#      WORKBENCH_XORG_GPU (index or UUID of the GPU to drive; default: the first one listed).
set -eu

display="${WORKBENCH_SIDECAR_DISPLAY:-:0}"
virtual="${WORKBENCH_XORG_VIRTUAL:-1920x1080}"
gpu="${WORKBENCH_XORG_GPU:-}"

if ! command -v nvidia-smi >/dev/null 2>&1; then
    echo "workbench-xorg: nvidia-smi not found: the NVIDIA container toolkit did not inject" \
         "the driver (is the pod on a GPU node with NVIDIA_DRIVER_CAPABILITIES=all?)" >&2
    exit 1
fi
if [ -n "$gpu" ]; then
    bus_id="$(nvidia-smi --id="$gpu" --query-gpu=pci.bus_id --format=csv,noheader)"
else
    bus_id="$(nvidia-smi --query-gpu=pci.bus_id --format=csv,noheader | head -n 1)"
fi
if [ -z "$bus_id" ]; then
    echo "workbench-xorg: nvidia-smi lists no GPU" >&2
    exit 1
fi

conf_dir="$(mktemp -d /tmp/workbench-xorg.XXXXXX)"
python3 /opt/workbench/workbench_xorg.py --bus-id "$bus_id" --virtual "$virtual" \
    > "$conf_dir/xorg.conf"
echo "workbench-xorg: GPU $bus_id, display $display, config:" >&2
cat "$conf_dir/xorg.conf" >&2

mkdir -p /tmp/.X11-unix
chmod 1777 /tmp/.X11-unix
exec Xorg "$display" -config "$conf_dir/xorg.conf" -logfile "$conf_dir/Xorg.log" \
    -novtswitch -sharevts -nolisten tcp -noreset -verbose 1
