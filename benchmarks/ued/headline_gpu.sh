#!/usr/bin/env bash
# The headline on one GPU: PLR⊥ and DR seeds trained side by side as concurrent processes. They share the GPU,
# so each curve's wall clock is an upper bound on that of the same run alone.
#
#   bash benchmarks/ued/headline_gpu.sh OUT_DIR [UNROLL] [MINUTES] [PLR_SEEDS] [DR_SEEDS]
#
# Then: python benchmarks/ued/plot_headline.py OUT_DIR
set -euo pipefail
out=${1:?usage: headline_gpu.sh OUT_DIR [UNROLL] [MINUTES] [PLR_SEEDS] [DR_SEEDS]}
unroll=${2:-1}
minutes=${3:-15}
plr_seeds=${4:-3}
dr_seeds=${5:-2}
here=$(cd "$(dirname "$0")" && pwd)
export PYTHONPATH="$here/../../src${PYTHONPATH:+:$PYTHONPATH}" XLA_PYTHON_CLIENT_PREALLOCATE=false
mkdir -p "$out"
common=(--minutes "$minutes" --num-envs 256 --minibatches 1 --lr 3e-4 --anneal --unroll "$unroll" --out "$out")
run() {  # algorithm seed
    python "$here/headline.py" --algorithm "$1" --seed "$2" --tag "$1-s$2" "${common[@]}" >"$out/$1-s$2.log" 2>&1 &
}
for ((s = 0; s < plr_seeds; s++)); do run robust_plr "$s"; done
for ((s = 0; s < dr_seeds; s++)); do run dr "$s"; done
wait
