#!/usr/bin/env bash
# The headline on one GPU: PLR⊥ and DR seeds trained side by side as concurrent processes. They share the GPU,
# so each curve's wall clock is an upper bound on that of the same run alone.
#
#   bash benchmarks/ued/headline_gpu.sh OUT_DIR [MINUTES] [PLR_SEEDS] [DR_SEEDS] [ENVS] [CHUNKS]
#
# Then: python benchmarks/ued/plot_headline.py OUT_DIR
set -euo pipefail
out=${1:?usage: headline_gpu.sh OUT_DIR [MINUTES] [PLR_SEEDS] [DR_SEEDS] [ENVS] [CHUNKS]}
minutes=${2:-15}
plr_seeds=${3:-3}
dr_seeds=${4:-1}
envs=${5:-256}
chunks=${6:-1}
here=$(cd "$(dirname "$0")" && pwd)
export PYTHONPATH="$here/../../src${PYTHONPATH:+:$PYTHONPATH}" XLA_PYTHON_CLIENT_PREALLOCATE=false
mkdir -p "$out"
common=(--minutes "$minutes" --num-envs "$envs" --chunks "$chunks" --lr 3e-4 --anneal --unroll 8
    --eval-every-s 30 --out "$out")
run() {  # algorithm seed
    python "$here/headline.py" --algorithm "$1" --seed "$2" "${common[@]}" >"$out/$1-s$2.log" 2>&1 &
}
for ((s = 0; s < plr_seeds; s++)); do run robust_plr "$s"; done
for ((s = 0; s < dr_seeds; s++)); do run dr "$s"; done
wait
