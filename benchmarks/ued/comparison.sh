#!/usr/bin/env bash
# The thesis's comparison: DR, PLR, PLR⊥, ACCEL and PAIRED, each alone on one GPU for the same wall-clock
# budget, seeds 0..SEEDS-1, every run a `headline.py` run (held-out curve every 30 s, perfect mazes at the end).
#
#   bash benchmarks/ued/comparison.sh OUT_DIR [SEEDS=3] [MINUTES=15]
#
# Runs go to the visible GPUs one per GPU (CUDA_VISIBLE_DEVICES), as many at once as there are GPUs; a run
# whose JSON says "complete" is skipped, so calling it again runs only what is missing. EXTRA appends flags
# to every run (a CPU proof: EXTRA="--num-envs 4 --num-steps 8 --eval-every-s 100 --perfect-mazes"), TAG
# names the runs (default cmp). The equal-env-steps half: TAG=steps EXTRA="--env-steps 800000000" with
# MINUTES large enough for the slowest algorithm to get there.
#
# Shared by all (the headline's throughput settings): 256 envs × 256 steps, 4 minibatches, lr annealed to 0
# at the end of the budget, 60 DR walls (minimax). Each algorithm's own hyperparameters are minimax v0.2.0's
# tuned maze configs (src/minimax/config/configs/maze/{dr,plr,accel,paired}.json):
#   dr          lr 1e-4, γ 0.995, entropy 1e-3
#   robust_plr  lr 3e-4, γ 0.999, entropy 0, replay 0.5, buffer 4000, staleness 0.3, rank T 0.3, MaxMC
#   plr         PLR⊥'s settings with gradients on new levels too (dcd's PLR: the same flags without
#               --no_exploratory_grad_updates)
#   accel       lr 3e-4, γ 0.999, entropy 0, replay 0.8, staleness 0.5, T 0.3, MaxMC, new levels empty
#               (0 walls), 20 edits per mutation
#   paired      lr 1e-4, γ 0.995, entropy 1e-3; teacher entropy 0.05, noise 50, wall budget 60
set -euo pipefail
out=${1:?usage: comparison.sh OUT_DIR [SEEDS] [MINUTES]}
seeds=${2:-3}
minutes=${3:-15}
here=$(cd "$(dirname "$0")" && pwd)
export PYTHONPATH="$here/../../src${PYTHONPATH:+:$PYTHONPATH}"
mkdir -p "$out"
gpus=$(nvidia-smi --list-gpus 2>/dev/null | wc -l || true)
gpus=$((gpus > 0 ? gpus : 1))
common=(--minutes "$minutes" --num-envs 256 --num-steps 256 --minibatches 4 --anneal --n-walls 60)
declare -A flags=(
    [dr]="--lr 1e-4 --gamma 0.995 --ent-coef 1e-3"
    [robust_plr]="--lr 3e-4 --gamma 0.999 --ent-coef 0 --replay-prob 0.5 --capacity 4000"
    [plr]="--lr 3e-4 --gamma 0.999 --ent-coef 0 --replay-prob 0.5 --capacity 4000"
    [accel]="--lr 3e-4 --gamma 0.999 --ent-coef 0 --replay-prob 0.8 --capacity 4000 --set accel.start_walls=0 accel.num_edits=20 plr.replay.staleness_coef=0.5"
    [paired]="--lr 1e-4 --gamma 0.995 --ent-coef 1e-3 --set paired.teacher_ent_coef=0.05 paired.noise_dim=50 paired.wall_budget=60"
)
jobs_run=0
for s in $(seq 0 $((seeds - 1))); do
    for alg in dr plr robust_plr accel paired; do
        tag="${TAG:-cmp}-$alg"
        json="$out/ued-headline-$tag-s$s.json"
        if [ -f "$json" ] && grep -q '"complete": true' "$json"; then continue; fi
        gpu=$((jobs_run % gpus))
        # shellcheck disable=SC2086  # the per-algorithm flags are meant to split
        CUDA_VISIBLE_DEVICES=$gpu python "$here/headline.py" --algorithm "$alg" --seed "$s" --tag "$tag" \
            "${common[@]}" ${flags[$alg]} ${EXTRA:-} --out "$out" >"$out/$tag-s$s.log" 2>&1 &
        jobs_run=$((jobs_run + 1))
        if ((jobs_run % gpus == 0)); then wait; fi
    done
done
wait
