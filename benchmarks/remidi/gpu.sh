#!/usr/bin/env bash
# The ReMiDi experiment on one GPU: every (domain, method, seed) run as its own process, all side by side
# (32-env runs leave a GPU mostly idle, so they share it well).
#
#   bash benchmarks/remidi/gpu.sh OUT_DIR [UPDATES] [SEEDS] [DOMAINS...]
#
# Then copy OUT_DIR/remidi-*.json to benchmarks/results/ and run plot.py.
set -euo pipefail
out=${1:?usage: gpu.sh OUT_DIR [UPDATES] [SEEDS] [DOMAINS...]}
updates=${2:-1000}
seeds=${3:-3}
shift $(($# < 3 ? $# : 3))
domains=("${@:-tmaze blindfold}")
read -r -a domains <<<"${domains[*]}"
here=$(cd "$(dirname "$0")" && pwd)
export PYTHONPATH="$here/../../src${PYTHONPATH:+:$PYTHONPATH}" XLA_PYTHON_CLIENT_PREALLOCATE=false
mkdir -p "$out"
for domain in "${domains[@]}"; do
    for method in remidi robust_plr dr; do
        for ((s = 0; s < seeds; s++)); do
            # ReMiDi's maze flags scaled down: 3 buffers of 64 levels, 250 updates each (paper: 4 × 256, 1000)
            python "$here/run.py" --domain "$domain" --methods "$method" --seeds "$s" --updates "$updates" \
                --num-steps 256 --buffers 3 --capacity 64 --steps-per-buffer $((updates / 4)) \
                --eval-levels 200 --tag "$method-s$s" --out "$out" >"$out/$domain-$method-s$s.log" 2>&1 &
        done
    done
done
wait
