#!/usr/bin/env bash
# Entry script of the GPU bundle (scripts/gpu_bundle.sh copies it in as run.sh): on a bare machine with no
# network, unpacks Deno, the sources and the npm packages under /tmp, makes the Vulkan loader and NVIDIA's
# Vulkan driver findable, and runs `gpu-check`, writing its report into OUT_DIR.
#   bash gpu-bundle/run.sh OUT_DIR [gpu-check args, e.g. --gpus 2]
set -euo pipefail
bundle=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: run.sh OUT_DIR [gpu-check args]}
shift
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d /tmp/ichigo-gpu-check.XXXXXX)
trap 'rm -rf "$work"' EXIT # about 300 MB unpacked
log="$out/gpu_check_run.log"
exec > >(tee "$log") 2>&1

unxz_to() { # file.xz -> stdout, with xz or, where it is missing, Python's lzma
  if command -v xz >/dev/null; then xz -dc "$1"; else python3 -c 'import lzma,sys,shutil; shutil.copyfileobj(lzma.open(sys.argv[1]), sys.stdout.buffer)' "$1"; fi
}
untar() { unxz_to "$1" | tar -xf - -C "$2"; }

echo "unpacking into $work"
unxz_to "$bundle/deno.xz" >"$work/deno" && chmod +x "$work/deno"
mkdir -p "$work/app" "$work/xdg" && chmod 700 "$work/xdg"
untar "$bundle/src.tar.xz" "$work/app"
untar "$bundle/node_modules.tar.xz" "$work/app"

# The Vulkan loader: the system's, else the bundled Debian package's.
if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1 '; then
  deb=$(ls "$bundle"/libvulkan1_*.deb | head -1)
  mkdir -p "$work/vk" && (cd "$work/vk" && ar x "$deb" && tar -xf data.tar.*)
  export LD_LIBRARY_PATH="$work/vk/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  echo "Vulkan loader: bundled ($(basename "$deb"))"
else
  echo "Vulkan loader: the system's"
fi

# NVIDIA's Vulkan driver: a registered ICD, else one of the places container runtimes put it, else a manifest
# written for the driver library when the container has it (NVIDIA_DRIVER_CAPABILITIES must include graphics).
registered=$(ls /usr/share/vulkan/icd.d/nvidia*.json /etc/vulkan/icd.d/nvidia*.json 2>/dev/null | head -1 || true)
if [ -z "$registered" ]; then
  found=$(ls /usr/local/nvidia/share/vulkan/icd.d/nvidia*.json /usr/local/share/vulkan/icd.d/nvidia*.json \
    /usr/lib/x86_64-linux-gnu/nvidia/*/nvidia_icd.json 2>/dev/null | head -1 || true)
  if [ -z "$found" ]; then
    lib=$(ldconfig -p 2>/dev/null | awk '/libGLX_nvidia.so.0 /{print $NF; exit}')
    [ -z "$lib" ] && lib=$(ls /usr/local/nvidia/lib64/libGLX_nvidia.so.0 /usr/lib/x86_64-linux-gnu/libGLX_nvidia.so.0 2>/dev/null | head -1 || true)
    if [ -n "$lib" ]; then
      found="$work/nvidia_icd.json"
      printf '{"file_format_version":"1.0.0","ICD":{"library_path":"%s","api_version":"1.3.0"}}\n' "$lib" >"$found"
    fi
  fi
  if [ -n "$found" ]; then
    export VK_DRIVER_FILES="$found" VK_ICD_FILENAMES="$found"
    echo "NVIDIA Vulkan driver: $found"
  else
    echo "NVIDIA Vulkan driver: none found (no nvidia_icd.json, no libGLX_nvidia.so.0); the check will say what it gets"
  fi
else
  echo "NVIDIA Vulkan driver: $registered (registered)"
fi

# Mesa's device-select layer narrows each gpu:N process to its GPU (deno/device_env.ts); bundled where missing.
if [ ! -e /usr/share/vulkan/implicit_layer.d/VkLayer_MESA_device_select.json ] && [ -e "$bundle/device_select_layer.tar.xz" ]; then
  untar "$bundle/device_select_layer.tar.xz" "$work"
  export VK_LAYER_PATH="$work/layer" VK_INSTANCE_LAYERS=VK_LAYER_MESA_device_select
  export LD_LIBRARY_PATH="$work/layer/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  echo "device-select layer: bundled"
fi
command -v nvidia-smi >/dev/null && nvidia-smi -L || true

cd "$work/app"
export XDG_RUNTIME_DIR="$work/xdg" DENO_DIR="$work/deno_dir" NO_COLOR=1 DENO_NO_UPDATE_CHECK=1
"$work/deno" run -A bench/gpu_check.ts --out "$out" "$@"
