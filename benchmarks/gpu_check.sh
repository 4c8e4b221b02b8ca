#!/usr/bin/env bash
# The GPU check in one prepared script (see docs/gpu.rst): on a machine with
# CUDA, the tests marked `cuda` (with scikit-learn's estimator checks on the
# GPU), then the GPU benchmarks; everything goes under one folder, in under
# 8 minutes of wall time (at most 200 s of tests and 270 s of benchmarks).
# Without a CUDA device it says so and exits 0.
#
#   bash benchmarks/gpu_check.sh [RESULTS_FOLDER]
#
# PYTHON picks the interpreter (default: .venv/bin/python if present, else
# python3). It installs nothing from the network: on a machine without a
# registry, carry the wheels of what is missing (skorch is pure Python) in
# ./.whl; they are installed into /tmp/site. The EMNIST files are read from
# $EMNIST_ESTIMATORS_DATA (default ../shared/data/emnist).
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-$([ -x .venv/bin/python ] && echo .venv/bin/python || echo python3)}
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
if ls .whl/*.whl >/dev/null 2>&1 && ! "$PY" -c "import skorch" 2>/dev/null; then
    "$PY" -m pip install -q --no-index --no-deps --no-compile --target /tmp/site .whl/*.whl \
        && export PYTHONPATH="$PYTHONPATH:/tmp/site"
fi
if ! "$PY" -c "import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)" 2>/dev/null; then
    echo "gpu_check: no CUDA device here (torch.cuda.is_available() is False): nothing to check, skipping."
    exit 0
fi
OUT=${1:-benchmarks/results/gpu-$(date -u +%Y%m%d)}
mkdir -p "$OUT"
SECONDS=0
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv \
    > "$OUT/nvidia-smi.csv" 2>&1
"$PY" -c "import torch, skorch, sklearn; print('torch', torch.__version__, '| skorch', skorch.__version__, '| scikit-learn', sklearn.__version__)" \
    | tee "$OUT/versions.txt"
# Every test marked `cuda` (most are in tests/test_cuda.py). Only the files
# that use the marker are collected: the others may import optional packages
# (dask, sphinx) that a GPU machine's image lacks.
timeout 200 "$PY" -m pytest -q -p no:cacheprovider -m cuda -o addopts="-ra" \
    $(grep -l "mark\.cuda" tests/test_*.py) 2>&1 | tee "$OUT/tests.txt"
tests=${PIPESTATUS[0]}
# gpu.py writes its tables after each part: if the limit stops it, what it
# measured is kept (the parts not reached read "not measured").
timeout 270 "$PY" benchmarks/gpu.py --device cuda --output "$OUT" 2>&1 | tee "$OUT/benchmarks.txt"
bench=${PIPESTATUS[0]}
echo "gpu_check: tests exit $tests, benchmarks exit $bench, $SECONDS s; results in $OUT" \
    | tee "$OUT/summary.txt"
exit $(( tests || bench ))
