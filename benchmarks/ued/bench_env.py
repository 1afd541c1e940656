"""Maze env steps/s: openended.ued vs JaxUED in the same process on the same device, plus an equivalence
check (same levels, same actions -> same observations, rewards and dones).

JaxUED 0.0.1 (its only release) needs ``jax.tree_map``, removed in JAX 0.6: we alias it to
``jax.tree_util.tree_map`` before importing it. Random actions 0-2, ``vmap`` over N environments, ``lax.scan``
over T = 256 steps in one ``jit``; every observation is summed into the output so XLA cannot drop it.

    python benchmarks/ued/bench_env.py [--sizes 1024 4096 16384] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
from record import header  # a sibling module: run this file as a script

from openended.ued.generators import sample_level
from openended.ued.maze import Maze

T = 256
N_WALLS = 25


def load_jaxued():
    jax.tree_map = jax.tree_util.tree_map  # the shim JaxUED 0.0.1 needs on JAX >= 0.6
    from jaxued.environments.maze import Level as JLevel
    from jaxued.environments.maze import Maze as JMaze
    from jaxued.wrappers import AutoReplayWrapper

    env = AutoReplayWrapper(JMaze(max_height=13, max_width=13, agent_view_size=5, normalize_obs=False))

    def convert(level):
        return JLevel(
            wall_map=level.wall_map,
            goal_pos=level.goal_pos.astype(jnp.uint32),
            agent_pos=level.agent_pos.astype(jnp.uint32),
            agent_dir=level.agent_dir.astype(jnp.uint8),
            width=13,
            height=13,
        )

    return env, convert


def our_rollout(n: int):
    env = Maze()

    @jax.jit
    def run(key):
        k_levels, k_steps = jax.random.split(key)
        levels = jax.vmap(lambda k: sample_level(k, N_WALLS))(jax.random.split(k_levels, n))
        _, state = jax.vmap(env.reset_to_level)(levels)

        def step(carry, k):
            state, acc = carry
            action = jax.random.randint(k, (n,), 0, 3)
            obs, state, reward, _done, _ = jax.vmap(env.step)(state, action)
            return (state, acc + jnp.sum(obs.image, dtype=jnp.float32) + jnp.sum(reward)), None

        (_, acc), _ = jax.lax.scan(step, (state, jnp.float32(0)), jax.random.split(k_steps, T))
        return acc

    return run


def jaxued_rollout(n: int, jenv, convert):
    params = jenv.default_params

    @jax.jit
    def run(key):
        k_levels, k_steps = jax.random.split(key)
        levels = jax.vmap(lambda k: convert(sample_level(k, N_WALLS)))(jax.random.split(k_levels, n))
        _, state = jax.vmap(jenv.reset_to_level, in_axes=(0, 0, None))(
            jax.random.split(k_levels, n), levels, params
        )

        def step(carry, k):
            state, acc = carry
            k_act, k_env = jax.random.split(k)
            action = jax.random.randint(k_act, (n,), 0, 3)
            obs, state, reward, _done, _ = jax.vmap(jenv.step, in_axes=(0, 0, 0, None))(
                jax.random.split(k_env, n), state, action, params
            )
            return (state, acc + jnp.sum(obs.image, dtype=jnp.float32) + jnp.sum(reward)), None

        (_, acc), _ = jax.lax.scan(step, (state, jnp.float32(0)), jax.random.split(k_steps, T))
        return acc

    return run


def timed(fn, repeats: int = 5) -> dict:
    start = time.perf_counter()
    jax.block_until_ready(fn(jax.random.PRNGKey(0)))
    compile_s = time.perf_counter() - start
    times = []
    for i in range(repeats):
        start = time.perf_counter()
        jax.block_until_ready(fn(jax.random.PRNGKey(i + 1)))
        times.append(time.perf_counter() - start)
    return {"compile_s": compile_s, "seconds_median": statistics.median(times), "seconds": times}


def equivalence(jenv, convert, n: int = 256, steps: int = 600) -> dict:
    """Same levels and actions in both envs; count mismatching observations, rewards, dones."""
    env = Maze()
    params = jenv.default_params
    levels = jax.vmap(lambda k: sample_level(k, N_WALLS))(jax.random.split(jax.random.PRNGKey(42), n))
    _, ours = jax.vmap(env.reset_to_level)(levels)
    theirs_obs, theirs = jax.vmap(jenv.reset_to_level, in_axes=(0, 0, None))(
        jax.random.split(jax.random.PRNGKey(1), n), jax.vmap(convert)(levels), params
    )
    our_obs, _ = jax.vmap(env.reset_to_level)(levels)
    mismatch = {
        "image": int(jnp.sum(jnp.any(our_obs.image != theirs_obs.image, axis=(1, 2, 3)))),
        "reward": 0,
        "done": 0,
        "direction": 0,
    }
    actions = jax.random.randint(jax.random.PRNGKey(7), (steps, n), 0, 7)

    @jax.jit
    def both(carry, a):
        o_state, t_state = carry
        o_obs, o_state, o_r, o_d, _ = jax.vmap(env.step)(o_state, a)
        t_obs, t_state, t_r, t_d, _ = jax.vmap(jenv.step, in_axes=(0, 0, 0, None))(
            jax.random.split(jax.random.PRNGKey(0), n), t_state, a, params
        )
        diff = (
            jnp.any(o_obs.image != t_obs.image, axis=(1, 2, 3)),
            jnp.abs(o_r - t_r) > 1e-6,
            o_d != t_d,
            o_obs.agent_dir != t_obs.agent_dir,
        )
        return (o_state, t_state), diff

    _, (img, rew, done, direction) = jax.lax.scan(both, (ours, theirs), actions)
    mismatch["image"] += int(img.sum())
    mismatch["reward"] = int(rew.sum())
    mismatch["done"] = int(done.sum())
    mismatch["direction"] = int(direction.sum())
    return {"levels": n, "steps": steps, "mismatches": mismatch}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1024, 4096, 16384])
    parser.add_argument(
        "--out", default=os.environ.get("OUT") or str(Path(__file__).resolve().parents[1] / "results")
    )
    args = parser.parse_args()
    try:
        jenv, convert = load_jaxued()
    except ImportError as err:
        jenv, convert = None, None
        print(f"JaxUED not importable ({err}); measuring openended only")
    result = {
        **header("ued-env"),
        "steps_per_rollout": T,
        "n_walls": N_WALLS,
        "sizes": {},
    }
    if jenv is not None:
        result["equivalence_vs_jaxued"] = equivalence(jenv, convert)
        print("equivalence", result["equivalence_vs_jaxued"])
    for n in args.sizes:
        entry = {"openended": timed(our_rollout(n))}
        entry["openended"]["steps_per_s"] = n * T / entry["openended"]["seconds_median"]
        if jenv is not None:
            entry["jaxued"] = timed(jaxued_rollout(n, jenv, convert))
            entry["jaxued"]["steps_per_s"] = n * T / entry["jaxued"]["seconds_median"]
            entry["ratio"] = entry["openended"]["steps_per_s"] / entry["jaxued"]["steps_per_s"]
        result["sizes"][str(n)] = entry
        print(n, {k: (v["steps_per_s"] if isinstance(v, dict) else v) for k, v in entry.items()})
    path = Path(args.out) / "ued-env.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    np.set_printoptions(precision=3)
    main()
