#!/usr/bin/env bash
# The headline on one GPU: each run trained alone, one after another. (Runs sharing the GPU as concurrent
# processes made fewer updates in total than one alone: ued-headline-shared4-partial.json.)
#
#   bash benchmarks/ued/headline_gpu.sh OUT_DIR MINUTES ALGORITHM:SEED [ALGORITHM:SEED ...] [-- HEADLINE_ARGS]
#   e.g. bash benchmarks/ued/headline_gpu.sh out 15 robust_plr:0 robust_plr:2 dr:0 -- --minibatches 4
#
# Then: python benchmarks/ued/plot_headline.py OUT_DIR
set -euo pipefail
out=${1:?usage: headline_gpu.sh OUT_DIR MINUTES ALGORITHM:SEED ...}
minutes=${2:?usage: headline_gpu.sh OUT_DIR MINUTES ALGORITHM:SEED ...}
shift 2
runs=()
while (($#)) && [[ $1 != -- ]]; do runs+=("$1"); shift; done
(($#)) && shift  # the rest goes to headline.py
here=$(cd "$(dirname "$0")" && pwd)
export PYTHONPATH="$here/../../src${PYTHONPATH:+:$PYTHONPATH}" XLA_PYTHON_CLIENT_PREALLOCATE=false
mkdir -p "$out"
for run in "${runs[@]}"; do
    algorithm=${run%%:*} seed=${run##*:}
    # headline.py's defaults are the headline's config (256 envs, lr 3e-4, one update per visit)
    python "$here/headline.py" --algorithm "$algorithm" --seed "$seed" --minutes "$minutes" --anneal \
        --out "$out" "$@" >"$out/$algorithm-s$seed.log" 2>&1
done
touch "$out/done"
