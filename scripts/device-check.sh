#!/usr/bin/env bash
# On a bare GPU machine: build Kiln, warm the kernel cache in parallel, run the GPU tests and
# the GPU benchmarks, writing the logs under $OUT (default /tmp/kiln-device).
#   scripts/device-check.sh [all|build|test|bench|smoke] [pytest args...]
# KILN_BASELINE=DIR (an unpacked older tree, e.g. `git archive REV | tar -x -C .baseline`)
# also builds that tree's Python module, in parallel with this one, and `bench` then runs every
# benchmark script against both builds, so a refactor's before/after share one machine.
set -uo pipefail
cd "$(dirname "$0")/.."
MODE=${1:-all}
shift || true
# The device tool returns at most 8 files: logs are written to a scratch folder, and on exit
# the summary and the test log are copied out with everything else in one archive.
DEST=${OUT:-/tmp/kiln-device}
OUT=/tmp/kiln-logs
rm -rf "$OUT" && mkdir -p "$OUT" "$DEST"
trap 'cp "$OUT"/summary.log "$OUT"/gpu_tests.log "$DEST"/ 2>/dev/null; tar czf "$DEST/logs.tgz" -C "$OUT" .' EXIT
export KILN_CACHE_DIR=${KILN_CACHE_DIR:-/tmp/kiln-cache}
export PYTHONUNBUFFERED=1
PY=$(command -v python3)
BUILD=build-device
log() { echo "== $*" | tee -a "$OUT/summary.log"; }

log "machine: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | head -1)"

# DLPack's header: the system's if present, else the copy PyTorch ships.
DLPACK_DIR=""
if [ ! -f /usr/include/dlpack/dlpack.h ]; then
  TORCH_DL=$("$PY" -c "import torch, os; print(os.path.join(os.path.dirname(torch.__file__), 'include/ATen/dlpack.h'))" 2>/dev/null)
  if [ -f "$TORCH_DL" ]; then
    DLPACK_DIR=/tmp/kiln-dlpack
    mkdir -p $DLPACK_DIR/dlpack && cp "$TORCH_DL" $DLPACK_DIR/dlpack/dlpack.h
  fi
fi

build_baseline() {
  local dir=$KILN_BASELINE
  cmake -S "$dir" -B "$dir/build-device" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPython3_EXECUTABLE="$PY" \
    -Dpybind11_DIR="$("$PY" -m pybind11 --cmakedir)" ${DLPACK_DIR:+-DDLPACK_INCLUDE_DIR=$DLPACK_DIR} \
    -DKILN_BUILD_TESTS=OFF -DKILN_BUILD_EXAMPLES=OFF > "$OUT/baseline_build.log" 2>&1 &&
    cmake --build "$dir/build-device" --target core -j"$(nproc)" >> "$OUT/baseline_build.log" 2>&1
}

build() {
  local t0=$SECONDS base_pid=""
  if [ -n "${KILN_BASELINE:-}" ]; then build_baseline & base_pid=$!; fi
  cmake -S . -B $BUILD -G Ninja -DCMAKE_BUILD_TYPE=Release -DPython3_EXECUTABLE="$PY" \
    -Dpybind11_DIR="$("$PY" -m pybind11 --cmakedir)" ${DLPACK_DIR:+-DDLPACK_INCLUDE_DIR=$DLPACK_DIR} \
    -DKILN_BUILD_TESTS=ON -DKILN_BUILD_BENCHMARKS=ON > "$OUT/configure.log" 2>&1 \
    || { tail -30 "$OUT/configure.log"; exit 1; }
  cmake --build $BUILD -j"$(nproc)" > "$OUT/build.log" 2>&1 || { grep -B2 -A12 "error" "$OUT/build.log" | head -80; exit 1; }
  log "build: $((SECONDS - t0)) s"
  if [ -n "$base_pid" ]; then
    wait "$base_pid" && log "baseline build ($KILN_BASELINE): $((SECONDS - t0)) s" \
      || { tail -30 "$OUT/baseline_build.log"; exit 1; }
  fi
  [ "${KILN_WARM:-1}" = 1 ] || return 0
  t0=$SECONDS
  ./$BUILD/kiln_nvrtc_check sm_90 --warm > "$OUT/warm.log" 2>&1 || { tail -40 "$OUT/warm.log"; exit 1; }
  log "kernel cache: $(tail -1 "$OUT/warm.log") in $((SECONDS - t0)) s"
}

# KILN_TEST_JOBS=N runs the Python tests in N processes (pytest-xdist, one test file per
# process at a time; each compiles the kernels it needs), then test_gpu.py alone: it fills
# device memory on purpose.
run_tests() {
  export PYTHONPATH=$PWD/$BUILD/python
  local t0=$SECONDS
  ./$BUILD/tests/cpp/kiln_tests > "$OUT/cpp_tests.log" 2>&1
  log "C++ tests: $(grep -E '^\[  (PASSED|FAILED)  \]' "$OUT/cpp_tests.log" | head -2 | tr '\n' ' ')"
  local jobs=() serial=()
  if [ -n "${KILN_TEST_JOBS:-}" ]; then
    jobs=(-n "$KILN_TEST_JOBS" --dist loadfile --ignore test_gpu.py)
    serial=(test_gpu.py)
  fi
  (cd tests/python && KILN_TEST_DEVICE=gpu timeout "${KILN_TEST_TIMEOUT:-900}" "$PY" -m pytest -v --tb=short -p no:cacheprovider \
     -o addopts="" "${jobs[@]}" "$@" > "$OUT/gpu_tests.log" 2>&1)
  log "GPU python tests ($((SECONDS - t0)) s): $(tail -1 "$OUT/gpu_tests.log")"
  if ((${#serial[@]})); then
    (cd tests/python && KILN_TEST_DEVICE=gpu timeout 300 "$PY" -m pytest -v --tb=short -p no:cacheprovider \
       -o addopts="" "${serial[@]}" >> "$OUT/gpu_tests.log" 2>&1)
    log "GPU python tests, ${serial[*]} ($((SECONDS - t0)) s): $(tail -1 "$OUT/gpu_tests.log")"
  fi
  { grep -E "^(FAILED|ERROR) " "$OUT/gpu_tests.log" || grep -E " (FAILED|ERROR) +\[" "$OUT/gpu_tests.log"; } | head -60 | tee -a "$OUT/summary.log"
}

# Every benchmark family script (benchmarks/*.py but the harness) with --device gpu; each
# one's log and JSON go into the archive.
# With a baseline build (KILN_BASELINE), each script runs against it first (bench_NAME.base.*),
# then against this tree. KILN_BENCH_ONLY="reduce shape" limits the scripts;
# KILN_BENCH_ARGS passes options (e.g. "--repeat 10"). KILN_BUDGET_S: the whole call's seconds;
# a script run that could outlast it (KILN_BENCH_TIMEOUT) is skipped, so the logs come back.
run_bench() {
  local b name rc tag path
  for b in benchmarks/*.py; do
    name=$(basename "$b" .py)
    [ "$name" = harness ] && continue
    [ -z "${KILN_BENCH_ONLY:-}" ] || [[ " $KILN_BENCH_ONLY " == *" $name "* ]] || continue
    for tag in base new; do
      if [ $tag = base ]; then
        [ -n "${KILN_BASELINE:-}" ] || continue
        path=$PWD/$KILN_BASELINE/build-device/python
      else
        path=$PWD/$BUILD/python
      fi
      local stem=bench_$name$([ $tag = base ] && echo .base)
      if [ -n "${KILN_BUDGET_S:-}" ] && ((SECONDS + ${KILN_BENCH_TIMEOUT:-600} > KILN_BUDGET_S)); then
        log "$b [$tag] skipped: the call's budget (${KILN_BUDGET_S} s) is nearly spent"
        continue
      fi
      # shellcheck disable=SC2086  # KILN_BENCH_ARGS holds several options
      PYTHONPATH=$path timeout "${KILN_BENCH_TIMEOUT:-600}" "$PY" "$b" --device gpu \
        ${KILN_BENCH_ARGS:-} --json "$OUT/$stem.json" > "$OUT/$stem.log" 2>&1
      rc=$?
      log "$b --device gpu [$tag]$([ $rc = 0 ] || echo " (exit $rc)")"
      tail -25 "$OUT/$stem.log" | tee -a "$OUT/summary.log"
    done
  done
}

case "$MODE" in
  build) build ;;
  test) build; run_tests "$@" ;;
  bench) build; run_bench ;;
  smoke) build; export PYTHONPATH=$PWD/$BUILD/python; "$PY" tests/python/gpu_smoke.py 2>&1 | tee "$OUT/smoke.log" ;;
  all) build; run_tests "$@"; run_bench ;;
esac
