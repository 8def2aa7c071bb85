#!/usr/bin/env bash
# The GPU check (tools/gpu/README.md): on a machine with an NVIDIA GPU, no network and no Node,
# unpacks the bundle from tools/gpu/pack.mjs, finds or provides what Dawn needs (a Vulkan loader,
# the NVIDIA Vulkan ICD), runs the webgpu-vs-wasm parity checks on the real GPU and the training
# bench, and writes JSON to $OUT (default out/gpu/results):
#   environment.json  what was found (GPU, driver, Vulkan loader and ICD, adapter)
#   parity.json       backend-parity report (exit status in summary.json)
#   bench.json        training episodes/s per episodes-per-step
#   summary.json      one line per step: ok or why not
#
#   tools/gpu/run.sh [--swiftshader] [--bench-seconds 240] [--parity-seconds 240]
#
# --swiftshader: the dry run for a machine without a GPU (Dawn on chromium's SwiftShader; the
# parity run then accepts a software adapter).
set -uo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
swiftshader=0
bench_seconds=240
parity_seconds=240
while [ $# -gt 0 ]; do
  case "$1" in
    --swiftshader) swiftshader=1 ;;
    --bench-seconds) bench_seconds=$2; shift ;;
    --parity-seconds) parity_seconds=$2; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
out=${OUT:-$root/out/gpu/results}
mkdir -p "$out"
summary="$out/summary.json"
steps=()
note() { # step, ok(true/false), detail
  steps+=("$(printf '{"step":"%s","ok":%s,"detail":"%s"}' "$1" "$2" "$(printf '%s' "$3" | tr '"\n\\' "'  " | cut -c1-600)")")
  (IFS=,; echo "[${steps[*]}]") >"$summary"
  echo "[$1] $([ "$2" = true ] && echo ok || echo FAILED): $3" >&2
}

# 1. Unpack: xz, else python3's lzma, else the gzip bundle.
bundle=""
for b in "${HYPERTX_GPU_BUNDLE:-}" "$root/out/gpu/hypertx-gpu.tar.xz" "$root/out/gpu/hypertx-gpu.tar.gz"; do
  [ -n "$b" ] && [ -f "$b" ] && { bundle=$b; break; }
done
[ -n "$bundle" ] || { note unpack false "no bundle in out/gpu: run node tools/gpu/pack.mjs and carry out/gpu"; exit 1; }
work=$(mktemp -d /tmp/hypertx-gpu.XXXXXX)
case "$bundle" in
  *.gz) tar -C "$work" -xzf "$bundle" ;;
  *)
    if command -v xz >/dev/null; then tar -C "$work" -xJf "$bundle"
    elif command -v python3 >/dev/null; then python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1], "r:xz").extractall(sys.argv[2])' "$bundle" "$work"
    else note unpack false "neither xz nor python3 here: pack with node tools/gpu/pack.mjs --gzip"; exit 1
    fi ;;
esac || { note unpack false "could not unpack $bundle"; exit 1; }
mkdir -p "$work/tools/gpu" && cp "$root/tools/gpu/bench-train.mjs" "$work/tools/gpu/"
node="$work/node/bin/node"
"$node" --version >/dev/null 2>&1 || { note unpack false "the bundled node does not run here"; exit 1; }
note unpack true "$bundle -> $work, node $("$node" --version)"

# 2. Vulkan: the machine's loader when it has one, else ours; the NVIDIA ICD, else one we write.
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$work}
loader=$( (ldconfig -p 2>/dev/null | grep -o '/[^ ]*libvulkan\.so\.1$' | head -1) || true)
if [ -z "$loader" ]; then
  export LD_LIBRARY_PATH="$work/vulkan${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  loader="$work/vulkan/libvulkan.so.1 (bundled)"
fi
icd=""
if [ "$swiftshader" = 1 ]; then
  icd=${HYPERTX_SWIFTSHADER_ICD:-/usr/lib/chromium/vk_swiftshader_icd.json}
  [ -f "$icd" ] || { note vulkan false "SwiftShader ICD $icd not found (apt-get install chromium)"; exit 1; }
  export VK_ICD_FILENAMES=$icd
else
  for d in /etc/vulkan/icd.d /usr/share/vulkan/icd.d /usr/local/share/vulkan/icd.d; do
    [ -f "$d/nvidia_icd.json" ] && { icd="$d/nvidia_icd.json"; break; }
  done
  if [ -z "$icd" ]; then
    # Containers often mount the driver's libraries without the ICD file: point one at them.
    glx=$( (ldconfig -p 2>/dev/null | grep -o '/[^ ]*libGLX_nvidia\.so\.0$' | head -1) || true)
    [ -n "$glx" ] || glx=$(find / -xdev -name 'libGLX_nvidia.so.0' 2>/dev/null | head -1)
    if [ -z "$glx" ]; then
      note vulkan false "no NVIDIA Vulkan driver here (no nvidia_icd.json, no libGLX_nvidia.so.0): in a container, NVIDIA_DRIVER_CAPABILITIES must include graphics"
      exit 1
    fi
    mkdir -p "$work/icd.d"
    printf '{"file_format_version":"1.0.0","ICD":{"library_path":"%s","api_version":"1.3.0"}}\n' "$glx" >"$work/icd.d/nvidia_icd.json"
    icd="$work/icd.d/nvidia_icd.json (written, library $glx)"
    export VK_ICD_FILENAMES="$work/icd.d/nvidia_icd.json"
  else
    export VK_ICD_FILENAMES=$icd
  fi
fi
gpu=$( (nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | head -1) || echo "nvidia-smi unavailable")
cat >"$out/environment.json" <<EOF
{"gpu":"$gpu","vulkanLoader":"$loader","vulkanIcd":"$icd","node":"$("$node" --version)","swiftshader":$([ "$swiftshader" = 1 ] && echo true || echo false),"uname":"$(uname -srm)"}
EOF
note vulkan true "loader $loader; ICD $icd; GPU $gpu"

# 3. Parity on the device (a hardware adapter required unless --swiftshader).
hardware=--hardware
[ "$swiftshader" = 1 ] && hardware=""
( cd "$work" && timeout "$parity_seconds" "$node" packages/core/dist/test-support/backend-parity-main.js $hardware --out "$out/parity.json" >"$out/parity.log" 2>&1 )
rc=$?
if [ $rc = 0 ]; then
  note parity true "every comparison within tolerance ($(grep -o '"candidate": "[^"]*"' "$out/parity.json" | head -1))"
else
  note parity false "exit $rc (124 = timed out); see parity.log: $(tail -c 400 "$out/parity.log")"
fi

# 4. Training bench (webgpu), within its time budget.
( cd "$work" && timeout $((bench_seconds + 300)) "$node" tools/gpu/bench-train.mjs --backend webgpu --seconds "$bench_seconds" --out "$out/bench.json" >"$out/bench.log" 2>&1 )
rc=$?
if [ $rc = 0 ]; then
  note bench true "best $(grep -o '"bestEpisodesPerSecond": [0-9.]*' "$out/bench.json" | grep -o '[0-9.]*$') episodes/s (target 1000)"
else
  note bench false "exit $rc; see bench.log: $(tail -c 400 "$out/bench.log")"
fi
cat "$summary"
grep -q '"ok":false' "$summary" && exit 1
exit 0
