#!/usr/bin/env bash
# The GPU check of cone's webgpu backend, for a machine with a GPU (docs/performance.md, "GPU check"):
# checks Node, npm and the installed checkout (it needs no network: it installs nothing unless
# --install), builds it, prints the adapter Dawn chooses, runs the webgpu test files with CI=true
# (so nothing skips), times `cone bench --backend webgpu` on cnn28 and resnet20 at batch 128 and
# 512 beside PyTorch on CUDA when it is installed with CUDA, and times one training epoch of
# ResNet-20 over 50,000 images of CIFAR-10's shape (bench/epoch.mjs: the real CIFAR-10 training set
# when it is in the dataset cache, else random images of that shape; the output says which).
# Everything it prints goes to <out>/gpu-check.log; the results to <out>/gpu-check.json.
#
#   bench/gpu-check.sh <out-folder> [--allow-software] [--quick] [--install]
#
#   --allow-software  run on a software adapter (SwiftShader, lavapipe) instead of failing; when Dawn
#                     finds none, Debian chromium-common's SwiftShader is used (how it is tested on
#                     a machine without a GPU). PyTorch then runs on the CPU if it has no CUDA.
#   --quick           a small subset: three test files, one small bench (cnn28, batch 16), and the
#                     epoch over 16 images in one batch of 16, evaluated on 10 (not 50,000 and 10,000).
#   --install         run `npm ci` first (needs the npm registry). Without it the checkout must be
#                     installed beforehand (`npm ci`); --no-install, the old flag, is the default.
#
# Exit status: 0 all passed, 1 a step failed (the log and the JSON say which), 2 bad arguments.
set -uo pipefail

usage() {
  echo "usage: bench/gpu-check.sh <out-folder> [--allow-software] [--quick] [--install]" >&2
  exit 2
}

OUT=""
ALLOW_SOFTWARE=0
QUICK=0
INSTALL=0
for arg in "$@"; do
  case "$arg" in
    --allow-software) ALLOW_SOFTWARE=1 ;;
    --quick) QUICK=1 ;;
    --install) INSTALL=1 ;;
    --no-install) INSTALL=0 ;;
    -h | --help) usage ;;
    -*) echo "gpu-check: unknown option $arg" >&2 && usage ;;
    *) [ -z "$OUT" ] || usage; OUT=$arg ;;
  esac
done
[ -n "$OUT" ] || usage

ROOT=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$OUT" || exit 1
OUT=$(cd "$OUT" && pwd)
LOG="$OUT/gpu-check.log"
SUMMARY="$OUT/gpu-check.json"
# One JSON object a line per finished step; assembled into $SUMMARY at the end.
RECORDS=$(mktemp)
trap 'rm -f "$RECORDS"' EXIT
: >"$LOG"
STARTED=$(date +%s)
PYTHON=${PYTHON:-python3}
# Debian's chromium-common ships it; the tests use the same file (test/helpers/webgpu.ts).
SWIFTSHADER_ICD=/usr/lib/chromium/vk_swiftshader_icd.json
cd "$ROOT" || exit 1

say() { echo "$*" | tee -a "$LOG"; }
record() { echo "$1" >>"$RECORDS"; }

# Writes $SUMMARY from the records: status, the failure (if any), every step's result.
write_summary() {
  node --input-type=module - "$RECORDS" "$SUMMARY" "$1" "$2" "$STARTED" <<'EOF'
import fs from 'node:fs';
const [records, summary, status, failure, started] = process.argv.slice(2);
const lines = fs.readFileSync(records, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const of = (kind) => lines.filter((l) => l.kind === kind).map(({ kind: _, ...rest }) => rest);
const out = {
  status,
  failure: failure || null,
  seconds: Math.round(Date.now() / 1000 - Number(started)),
  ...Object.assign({}, ...of('fact')),
  tests: of('test'),
  bench: of('bench'),
};
fs.writeFileSync(summary, `${JSON.stringify(out, null, 2)}\n`);
EOF
}

fail() {
  say "gpu-check: FAILED: $*"
  write_summary failed "$*"
  say "gpu-check: results in $SUMMARY, log in $LOG"
  exit 1
}

# --- Node and npm -----------------------------------------------------------------------------
command -v node >/dev/null || fail "node not found: install Node.js 20 or later"
command -v npm >/dev/null || fail "npm not found: it comes with Node.js"
NODE_VERSION=$(node -p 'process.versions.node')
[ "${NODE_VERSION%%.*}" -ge 20 ] || fail "node $NODE_VERSION is too old: cone needs Node.js 20 or later"
NPM_VERSION=$(npm --version)
say "node $NODE_VERSION, npm $NPM_VERSION, $(uname -sm)"
record "$(node -p 'JSON.stringify({ kind: "fact", node: process.argv[1], npm: process.argv[2], platform: `${process.platform} ${process.arch}` })' "$NODE_VERSION" "$NPM_VERSION")"

# --- Install and build --------------------------------------------------------------------------
# No network unless --install: a GPU machine may have no registry. Building (tsc, the kernels) is local.
if [ "$INSTALL" = 1 ] && [ -L node_modules ]; then
  say "npm ci: skipped, node_modules is a symlink (npm ci would empty the tree it points to)"
  INSTALL=0
fi
if [ "$INSTALL" = 1 ]; then
  say "npm ci (installs and builds; log in $LOG)"
  npm ci >>"$LOG" 2>&1 || fail "npm ci failed (see $LOG); without a registry, install the checkout beforehand (npm ci) and run without --install"
fi
# The webgpu packages are optional dependencies: npm skips them quietly where they cannot install.
MISSING=$(node -e '
  const { createRequire } = require("node:module");
  const req = createRequire(process.argv[1] + "/package.json");
  const absent = ["webgpu", "@tensorflow/tfjs-backend-webgpu"].filter((p) => { try { req.resolve(p); return false; } catch { return true; } });
  console.log(absent.join(" and "));' "$ROOT")
if [ ! -d node_modules ]; then
  fail "$ROOT/node_modules not found: run \`npm ci\` in the checkout first (or pass --install where the npm registry is reachable)"
elif [ -n "$MISSING" ]; then
  fail "$MISSING not installed in $ROOT/node_modules: run \`npm ci\` in the checkout first (or pass --install where the npm registry is reachable)"
fi
if [ "$INSTALL" = 0 ]; then
  npm run build >>"$LOG" 2>&1 || fail "npm run build failed (see $LOG)"
fi

# --- The adapter --------------------------------------------------------------------------------
# The tests point Dawn at SwiftShader unless VK_ICD_FILENAMES names a driver, so name the machine's
# own Vulkan drivers (where the loader would look by default) for the probe and the tests alike.
if [ -z "${VK_ICD_FILENAMES:-}" ] && [ "$(uname -s)" = Linux ]; then
  ICDS=$(ls /etc/vulkan/icd.d/*.json /usr/share/vulkan/icd.d/*.json /usr/local/share/vulkan/icd.d/*.json 2>/dev/null | paste -sd: -)
  [ -n "$ICDS" ] && export VK_ICD_FILENAMES="$ICDS"
fi
probe() {
  node --input-type=module -e "
    const { probeAdapter } = await import('$ROOT/dist/backend/webgpu.js');
    console.log(JSON.stringify(await probeAdapter()));" 2>>"$LOG" | tail -n 1
}
field() { node -p 'JSON.parse(process.argv[1])[process.argv[2]] ?? ""' "$1" "$2"; }
ADAPTER=$(probe)
[ -n "$ADAPTER" ] || fail "asking Dawn for an adapter failed (see $LOG)"
if [ -n "$(field "$ADAPTER" reason)" ] && [ "$ALLOW_SOFTWARE" = 1 ] && [ -f "$SWIFTSHADER_ICD" ]; then
  say "no WebGPU adapter ($(field "$ADAPTER" reason)); --allow-software: using SwiftShader"
  export VK_ICD_FILENAMES=$SWIFTSHADER_ICD
  ADAPTER=$(probe)
fi
REASON=$(field "$ADAPTER" reason)
[ -z "$REASON" ] || fail "no WebGPU adapter: $REASON"
NAME="$(field "$ADAPTER" vendor) $(field "$ADAPTER" architecture) ($(field "$ADAPTER" description))"
SOFTWARE=$(field "$ADAPTER" software)
say "adapter: $NAME, software: $SOFTWARE"
say "VK_ICD_FILENAMES=${VK_ICD_FILENAMES:-}"
record "$(node -p 'JSON.stringify({ kind: "fact", adapter: JSON.parse(process.argv[1]), vk_icd_filenames: process.argv[2] || null, allow_software: process.argv[3] === "1", quick: process.argv[4] === "1" })' "$ADAPTER" "${VK_ICD_FILENAMES:-}" "$ALLOW_SOFTWARE" "$QUICK")"
if [ "$SOFTWARE" = true ] && [ "$ALLOW_SOFTWARE" = 0 ]; then
  fail "only a software adapter was found ($NAME): this is no GPU. Install the GPU's Vulkan driver (NVIDIA's, or Mesa's for AMD/Intel) or point VK_ICD_FILENAMES at it; --allow-software runs the check on it anyway"
fi

# --- The webgpu tests ---------------------------------------------------------------------------
# file:name filter ('' = the whole file); CI=true makes a missing piece fail instead of skip.
if [ "$QUICK" = 1 ]; then
  TESTS=("test/backend/webgpu-adapter.test.ts:" "test/train/batch-source.test.ts:webgpu" "test/train/step-stats.test.ts:webgpu")
else
  TESTS=("test/backend/webgpu-adapter.test.ts:" "test/backend/webgpu.test.ts:" "test/train/batch-source.test.ts:webgpu"
    "test/train/step-stats.test.ts:webgpu" "test/train/trainer.test.ts:webgpu" "test/cli/webgpu.test.ts:")
fi
FAILED_TESTS=()
for entry in "${TESTS[@]}"; do
  file=${entry%%:*}
  filter=${entry#*:}
  say "test: $file${filter:+ (tests named *$filter*)}"
  started=$(date +%s)
  CI=true npx vitest run "$file" ${filter:+-t "$filter"} >>"$LOG" 2>&1
  code=$?
  seconds=$(($(date +%s) - started))
  say "  $([ $code = 0 ] && echo passed || echo FAILED) in ${seconds}s"
  [ $code = 0 ] || FAILED_TESTS+=("$file")
  record "$(node -p 'JSON.stringify({ kind: "test", file: process.argv[1], filter: process.argv[2] || null, passed: process.argv[3] === "0", seconds: Number(process.argv[4]) })' "$file" "$filter" "$code" "$seconds")"
done

# --- cone bench --backend webgpu, beside PyTorch ------------------------------------------------
TORCH=none
if "$PYTHON" -c 'import torch' 2>/dev/null; then
  if [ "$("$PYTHON" -c 'import torch; print(torch.cuda.is_available())')" = True ]; then
    TORCH=cuda
  elif [ "$ALLOW_SOFTWARE" = 1 ]; then
    TORCH=cpu
  fi
fi
say "PyTorch: $([ $TORCH = none ] && echo "not run (not installed, or without CUDA)" || echo "on $TORCH")"
if [ "$QUICK" = 1 ]; then
  RUNS=("cnn28 16") STEPS=(--steps 2 --warmup 1)
else
  RUNS=("cnn28 128" "cnn28 512" "resnet20 128" "resnet20 512") STEPS=(--steps 10 --warmup 3)
fi
FAILED_BENCH=()
for run in "${RUNS[@]}"; do
  read -r model batch <<<"$run"
  say "bench: $model, batch $batch"
  cone=$(node bin/cone.js bench --backend webgpu --model "$model" --batch "$batch" "${STEPS[@]}" --json 2>>"$LOG" | tail -n 1)
  if [ -z "$cone" ]; then
    say "  cone bench FAILED (see $LOG)"
    FAILED_BENCH+=("$model/$batch")
    cone=null
  fi
  torch=null
  if [ $TORCH != none ]; then
    torch=$(OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE} "$PYTHON" bench/torch_reference.py --model "$model" --batch "$batch" "${STEPS[@]}" --device "$TORCH" 2>>"$LOG" | tail -n 1)
    [ -n "$torch" ] || { say "  PyTorch FAILED (see $LOG)"; FAILED_BENCH+=("torch $model/$batch"); torch=null; }
  fi
  line=$(node -p '
    const [model, batch, cone, torch] = [process.argv[1], Number(process.argv[2]), JSON.parse(process.argv[3]), JSON.parse(process.argv[4])];
    const ratio = cone && torch ? { train: cone.train_images_per_s / torch.train_images_per_s, infer: cone.infer_images_per_s / torch.infer_images_per_s } : null;
    JSON.stringify({ kind: "bench", model, batch, cone, torch, ratio })' "$model" "$batch" "$cone" "$torch")
  record "$line"
  say "  $(node -p '
    const r = JSON.parse(process.argv[1]);
    const f = (s) => s ? `train ${s.train_images_per_s.toFixed(1)} img/s, inference ${s.infer_images_per_s.toFixed(1)} img/s` : "-";
    `webgpu: ${f(r.cone)}; PyTorch (${r.torch?.backend ?? "not run"}): ${f(r.torch)}${r.ratio ? `; ratio train ${r.ratio.train.toFixed(2)}, inference ${r.ratio.infer.toFixed(2)}` : ""}`' "$line")"
done

# --- One epoch of ResNet-20 on CIFAR-10's shape -------------------------------------------------
if [ "$QUICK" = 1 ]; then
  EPOCH=(--batch 16 --images 16 --test-images 10)
else
  EPOCH=(--batch 128)
fi
FAILED_EPOCH=()
CACHE_FILE=$(node --input-type=module -e "
  const { defaultCacheDir } = await import('$ROOT/dist/data/paths.js');
  console.log(defaultCacheDir() + '/cifar10.bin');")
if [ -f "$CACHE_FILE" ]; then
  say "epoch: resnet20 on the CIFAR-10 training set ($CACHE_FILE)$([ "$QUICK" = 1 ] && echo ', --quick: 16 of its images, batch 16, 10 test images' || echo ', batch 128')"
else
  say "epoch: resnet20 on random images of CIFAR-10's shape, 32x32x3 (no $CACHE_FILE; \`cone datasets fetch cifar10\` caches the real set)$([ "$QUICK" = 1 ] && echo ', --quick: 16 images, batch 16, 10 test images' || echo ', batch 128')"
fi
started=$(date +%s)
epoch=$(node bench/epoch.mjs --out "$OUT/epoch" --backend webgpu "${EPOCH[@]}" 2>>"$LOG" | tail -n 1)
if [ -z "$epoch" ]; then
  say "  FAILED after $(($(date +%s) - started))s (see $LOG)"
  FAILED_EPOCH+=("epoch")
  record '{"kind":"fact","epoch":null}'
else
  record "$(node -p 'JSON.stringify({ kind: "fact", epoch: { ...JSON.parse(process.argv[1]), quick: process.argv[2] === "1" } })' "$epoch" "$QUICK")"
  say "  $(node -p '
    const e = JSON.parse(process.argv[1]);
    `${e.dataset === "cifar10" ? "CIFAR-10" : "random images"}: ${e.images} images in ${e.epoch_seconds.toFixed(1)} s of training steps, ${e.images_per_s.toFixed(1)} img/s; ${e.wall_seconds.toFixed(1)} s with loading and testing on ${e.test_images} images`' "$epoch")"
fi

# --- Result ---------------------------------------------------------------------------------------
if [ ${#FAILED_TESTS[@]} -gt 0 ] || [ ${#FAILED_BENCH[@]} -gt 0 ] || [ ${#FAILED_EPOCH[@]} -gt 0 ]; then
  fail "$(printf '%s ' "${FAILED_TESTS[@]}" "${FAILED_BENCH[@]}" "${FAILED_EPOCH[@]}")did not pass (see $LOG)"
fi
write_summary passed ""
say "gpu-check: passed in $(($(date +%s) - STARTED))s on $NAME$([ "$SOFTWARE" = true ] && echo ' (a software adapter: correctness only, the speeds are no guide)'); results in $SUMMARY"
