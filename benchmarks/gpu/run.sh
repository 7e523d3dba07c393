#!/usr/bin/env bash
# crossedit on a real GPU, in one command (under 8 minutes): the full Chinese-LLaMA-2-7B-shaped model (random
# fp16 checkpoint, streamed) loaded and run, a full ROME edit and a MEMIT edit on it, and matmul GFLOP/s in
# f16 and f32 against the device's peak; writes report.json and report.md.
#
#   benchmarks/gpu/run.sh [--small] [--out DIR] [--cache DIR] [--hparam k=v ...]
#
# Needs only the repository: dependencies come from scripts/setup.sh when node_modules is missing. Vulkan
# driver discovery: Dawn runs on Vulkan on Linux; when an NVIDIA driver is present its ICD is selected
# (VK_ICD_FILENAMES) so the loader does not settle on lavapipe; the adapter Dawn got is printed.
# --small runs the same phases on a small model (Chinese-LLaMA-2's vocabulary, d 512, 4 layers) to check the
# script end to end on lavapipe.
set -euo pipefail
cd "$(dirname "$0")/../.."
START=$(date +%s)
OUT=benchmarks/gpu/out
ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT="$2"; shift 2 ;;
    *) ARGS+=("$1"); shift ;;
  esac
done
mkdir -p "$OUT"
say() { echo "[run.sh $(( $(date +%s) - START )) s] $*" >&2; }

# 1. dependencies (the setup script installs lavapipe, pnpm and node_modules; skipped when already there)
if [ ! -d node_modules/.pnpm ] || ! command -v pnpm >/dev/null 2>&1; then
  say "running scripts/setup.sh"
  bash scripts/setup.sh
fi

# 2. Vulkan driver discovery: prefer the NVIDIA ICD over lavapipe
find_icd() {
  local d f
  for d in /etc/vulkan/icd.d /usr/share/vulkan/icd.d /usr/local/share/vulkan/icd.d /usr/lib/x86_64-linux-gnu/vulkan/icd.d; do
    for f in "$d"/nvidia_icd*.json "$d"/nvidia*.json; do
      [ -e "$f" ] && { echo "$f"; return 0; }
    done
  done
  return 1
}
GPU_NAME=""
GPU_MEMORY_MB=""
if command -v nvidia-smi >/dev/null 2>&1; then
  GPU_NAME=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1 || true)
  GPU_MEMORY_MB=$(nvidia-smi --query-gpu=memory.total --format=csv,noheader,nounits 2>/dev/null | head -1 | tr -dc '0-9' || true)
  say "nvidia-smi: ${GPU_NAME:-?} (${GPU_MEMORY_MB:-?} MiB)"
fi
if [ -z "${VK_ICD_FILENAMES:-}" ]; then
  if ICD=$(find_icd); then
    export VK_ICD_FILENAMES="$ICD"
    say "Vulkan ICD: $ICD (NVIDIA)"
  elif [ -n "$GPU_NAME" ]; then
    # containers often mount the driver's libraries without its ICD manifest: write one
    LIB=$(ldconfig -p 2>/dev/null | awk '/libGLX_nvidia\.so\.0/ {print $NF; exit}')
    [ -z "$LIB" ] && LIB=$(ls /usr/lib/x86_64-linux-gnu/libGLX_nvidia.so.0 /usr/lib64/libGLX_nvidia.so.0 2>/dev/null | head -1 || true)
    if [ -n "$LIB" ]; then
      ICD="$OUT/nvidia_icd.json"
      printf '{"file_format_version":"1.0.0","ICD":{"library_path":"%s","api_version":"1.3.0"}}\n' "$LIB" > "$ICD"
      export VK_ICD_FILENAMES="$(cd "$(dirname "$ICD")" && pwd)/$(basename "$ICD")"
      say "Vulkan ICD: wrote $VK_ICD_FILENAMES for $LIB"
    else
      say "WARNING: an NVIDIA GPU but no Vulkan driver (libGLX_nvidia.so.0 / nvidia_icd.json); Dawn will fall back to lavapipe"
    fi
  else
    say "no NVIDIA driver: Vulkan picks what it finds (lavapipe on a CPU-only machine)"
  fi
else
  say "Vulkan ICD from the environment: $VK_ICD_FILENAMES"
fi
export GPU_NAME GPU_MEMORY_MB

# 3. the report, time-boxed: phases have their own boxes inside a 450 s budget; the whole run is killed at 470 s
BUDGET=${BUDGET_S:-450}
say "running the GPU report (budget ${BUDGET} s) into $OUT"
set +e
timeout --signal=KILL $((BUDGET + 20)) node --expose-gc --max-old-space-size=8192 --conditions=@crossedit/source --import tsx \
  benchmarks/src/gpu-report.ts --out "$OUT" --budget-s "$BUDGET" ${GPU_MEMORY_MB:+--device-memory-gb $((GPU_MEMORY_MB * 1048576 / 1000000000))} "${ARGS[@]}"
RC=$?
set -e
[ $RC -eq 137 ] && say "the report was killed at its time limit; $OUT holds the phases it finished"
say "done (exit $RC) in $(( $(date +%s) - START )) s"
cat "$OUT/report.md" 2>/dev/null || true
exit $RC
