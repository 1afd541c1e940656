"""Data-parallel training on 4 forced CPU host devices: the same global batch gives the same losses as one
device, and the compiled step really is partitioned (it reduces gradients across devices)."""

import json
import os
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import os, json
    os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=4"
    import jax
    from openended.ued.config import UEDConfig, PPOConfig, PLRConfig
    from openended.ued.plr import RobustPLR
    out = {}
    for d, chunks in ((1, 1), (4, 1), (1, 2), (4, 2)):
        cfg = UEDConfig(algorithm="robust_plr", num_envs=8, num_steps=32, max_episode_steps=32, n_walls=8,
                        devices=d, ppo=PPOConfig(lstm_features=16, lr=1e-3, chunks=chunks),
                        plr=PLRConfig(capacity=16))
        trainer = RobustPLR(cfg)
        state = trainer.init(jax.random.PRNGKey(0))
        hlo = trainer.step.lower(state).compile().as_text()
        rows = []
        for _ in range(8):
            state, m = trainer.step(state)
            rows.append({k: float(v) for k, v in m.items()})
        out[f"{d}x{chunks}"] = {"rows": rows, "all_reduce": "all-reduce" in hlo,
                                "visible": len(jax.devices())}
    print(json.dumps(out))
""")


def test_four_devices_match_one_device():
    """Also with ``ppo.chunks`` = 2 (an update after each half of a level visit)."""
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "OPENENDED_PROGRESS": "0"},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    for chunks in (1, 2):
        one, four = out[f"1x{chunks}"], out[f"4x{chunks}"]
        assert four["visible"] == 4 and four["all_reduce"] and not one["all_reduce"]
        assert_same_run(one["rows"], four["rows"])


def assert_same_run(one, four):
    learned = 0
    for a, b in zip(one, four, strict=True):
        assert a["branch"] == b["branch"] and a["buffer_size"] == b["buffer_size"]
        for key in ("policy_loss", "value_loss", "entropy", "episode_return", "solve_rate"):
            if a[key] != a[key]:  # NaN: no gradient step in this update (PLR⊥ on new levels)
                assert b[key] != b[key]
                continue
            assert abs(a[key] - b[key]) <= 1e-4 * max(1.0, abs(a[key])), (key, a[key], b[key])
        learned += a["policy_loss"] == a["policy_loss"]
    assert learned >= 3
