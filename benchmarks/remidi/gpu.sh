#!/usr/bin/env bash
# The ReMiDi experiment on one GPU: every (domain, method, seed) run as its own process, all side by side
# (32-env runs leave a GPU mostly idle, so they share it well). A run whose JSON is already in OUT_DIR is
# skipped, so calling it again after an interruption runs only what is missing.
#
#   bash benchmarks/remidi/gpu.sh OUT_DIR [MAZE_UPDATES] [SEEDS] [DOMAINS...]
#
# The lever game runs at ReMiDi's own scale (its scripts/lever_game/*.sh: 5000 updates, 2 buffers of 32
# levels × 500 updates, PLR⊥'s buffer 64); the maze domains scaled down (3 buffers of 64 levels,
# MAZE_UPDATES / 4 updates each; the paper: 30 000 updates, 4 × 256 levels × 1000).
# Then copy OUT_DIR/remidi-*.json to benchmarks/results/ and run plot.py.
set -euo pipefail
out=${1:?usage: gpu.sh OUT_DIR [MAZE_UPDATES] [SEEDS] [DOMAINS...]}
updates=${2:-1000}
seeds=${3:-3}
shift $(($# < 3 ? $# : 3))
domains=("${@:-lever tmaze blindfold}")
read -r -a domains <<<"${domains[*]}"
here=$(cd "$(dirname "$0")" && pwd)
export PYTHONPATH="$here/../../src${PYTHONPATH:+:$PYTHONPATH}" XLA_PYTHON_CLIENT_PREALLOCATE=false
mkdir -p "$out"
for domain in "${domains[@]}"; do
    if [ "$domain" = lever ]; then
        flags=(--updates 5000 --buffers 2 --capacity 32 --plr-capacity 64 --steps-per-buffer 500
            --eval-every 250 --eval-levels 400)
    else
        flags=(--updates "$updates" --buffers 3 --capacity 64 --steps-per-buffer $((updates / 4))
            --eval-levels 200)
    fi
    for method in remidi robust_plr dr; do
        for ((s = 0; s < seeds; s++)); do
            [ -f "$out/remidi-$domain-$method-s$s.json" ] && continue
            python "$here/run.py" --domain "$domain" --methods "$method" --seeds "$s" --num-steps 256 \
                "${flags[@]}" --tag "$method-s$s" --out "$out" >"$out/$domain-$method-s$s.log" 2>&1 &
        done
    done
done
wait
