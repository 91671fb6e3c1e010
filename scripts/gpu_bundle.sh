#!/usr/bin/env bash
# Packs what `deno task gpu-check` needs into one folder (default gpu-bundle/, git-ignored, < 64 MiB) for a
# bare GPU machine with no network, no npm and no apt: the Deno binary, the project sources, the runtime npm
# packages it imports (onnxruntime-web's WebGPU build and wasm, onnxruntime-node for linux-x64 only), the Vulkan
# loader .deb, Mesa's device-select layer with its libraries, and run.sh, which unpacks all that under /tmp,
# finds the NVIDIA Vulkan driver and runs the check:
#   bash scripts/gpu_bundle.sh [DIR]          # here, once (needs apt-get download for libvulkan1)
#   bash DIR/run.sh OUT_DIR [gpu-check args]  # there; the report lands in OUT_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
dest=${1:-gpu-bundle}
rm -rf "$dest" && mkdir -p "$dest"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "deno binary"
xz -T2 -6 -c "$(readlink -f node_modules/deno/deno)" >"$dest/deno.xz"

echo "sources"
git ls-files core deno models bench deno.json package.json | tar -cJf "$dest/src.tar.xz" -T -

echo "npm packages"
ort=node_modules/onnxruntime-web
pkgs=(node_modules/onnxruntime-common node_modules/onnx-proto node_modules/protobufjs node_modules/@protobufjs
  node_modules/long node_modules/comlink node_modules/yaml node_modules/zod node_modules/fastest-levenshtein
  node_modules/hyparquet node_modules/hyparquet-writer node_modules/@alexanderolsen/libsamplerate-js
  node_modules/@types/long node_modules/@types/node)
keep=()
for p in "${pkgs[@]}"; do [ -e "$p" ] && keep+=("$p"); done
# onnxruntime-web: the WebGPU bundle (Deno imports onnxruntime-web/webgpu) and its wasm; the node build for wasm.
keep+=("$ort/package.json" "$ort/dist/ort.webgpu.bundle.min.mjs" "$ort/dist/ort-wasm-simd-threaded.asyncify.mjs"
  "$ort/dist/ort-wasm-simd-threaded.asyncify.wasm" "$ort/dist/ort.node.min.mjs" "$ort/dist/ort-wasm-simd-threaded.mjs"
  "$ort/dist/ort-wasm-simd-threaded.wasm")
# onnxruntime-node: its JS and the linux-x64 native library only (the cpu provider, for webgpu-vs-cpu figures).
ortn=node_modules/onnxruntime-node
keep+=("$ortn/package.json" "$ortn/dist" "$ortn/bin/napi-v6/linux/x64")
tar --exclude='*.map' --exclude='*.md' -cf - "${keep[@]}" | xz -T2 -6 >"$dest/node_modules.tar.xz"

echo "Vulkan loader and Mesa's device-select layer"
(cd "$tmp" && apt-get download libvulkan1 >/dev/null 2>&1) && cp "$tmp"/libvulkan1_*.deb "$dest/"
layer=$(ls /usr/lib/x86_64-linux-gnu/libVkLayer_MESA_device_select.so 2>/dev/null || true)
if [ -n "$layer" ]; then
  mkdir -p "$tmp/layer/lib"
  cp "$layer" "$tmp/layer/lib/"
  # Its libraries (xcb, wayland, drm...), minus glibc's own.
  ldd "$layer" | awk '/=> \//{print $3}' | grep -vE '/(libc|libpthread|libm|libdl|ld-linux)[.-]' | xargs -I{} cp -L {} "$tmp/layer/lib/"
  sed 's#"library_path": *"[^"]*"#"library_path": "./lib/libVkLayer_MESA_device_select.so"#' \
    /usr/share/vulkan/implicit_layer.d/VkLayer_MESA_device_select.json >"$tmp/layer/VkLayer_MESA_device_select.json"
  tar -C "$tmp" -cJf "$dest/device_select_layer.tar.xz" layer
else
  echo "warning: Mesa's device-select layer is not installed here (apt-get install mesa-vulkan-drivers); the bundle goes without it"
fi

cp scripts/gpu_bundle_run.sh "$dest/run.sh"
chmod +x "$dest/run.sh"
size=$(du -sb "$dest" | cut -f1)
echo "$dest: $((size / 1024 / 1024)) MiB ($size bytes)"
[ "$size" -lt $((64 * 1024 * 1024)) ] || { echo "error: $dest is over 64 MiB"; exit 1; }
