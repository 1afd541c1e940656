import json

import numpy as np
import pytest
import torch

from openended.core.commands import execute
from openended.core.runs import Run
from openended.core.serialize import load_tree
from openended.lapo.cli import DECODE, STAGE1, STAGE2
from openended.lapo.config import (
    DecoderConfig,
    DynamicsConfig,
    LatentPolicyConfig,
    ModelConfig,
    OfflineDecodeConfig,
    ProbeConfig,
    VQConfig,
)

TINY = ModelConfig(idm_scale=1, policy_scale=1, features=32, fdm_width=4, vq=VQConfig(codes=8))


@pytest.fixture(scope="module")
def bigfish(tmp_path_factory):
    """A real Minari dataset, actions kept for the probe and the decoder: 300 steps of the shipped expert."""
    from openended.rl.cli import COLLECT
    from openended.rl.config import CollectConfig

    root = tmp_path_factory.mktemp("data")
    return execute(
        COLLECT,
        CollectConfig(game="bigfish", transitions=300, num_envs=4, device="cpu"),
        root=root,
        name="bigfish",
        report=False,
    )


def _stage1(bigfish, steps=4):
    probe = ProbeConfig(samples=64, test_samples=32, epochs=1)
    return DynamicsConfig(
        dataset=str(bigfish),
        model=TINY,
        steps=steps,
        batch_size=8,
        held_out=0.25,
        probe_every=2,
        probe=probe,
        checkpoint_every=2,
        log_every=1,
        device="cpu",
    )


def test_stage1_interrupted_resumes_to_the_same_networks(bigfish, tmp_path, monkeypatch):
    torch.set_num_threads(1)
    whole = execute(STAGE1, _stage1(bigfish), root=tmp_path, name="whole", report=False)
    log = Run.log

    def crash(self, step, **metrics):
        log(self, step, **metrics)
        if step == 3:
            raise KeyboardInterrupt

    monkeypatch.setattr(Run, "log", crash)
    with pytest.raises(KeyboardInterrupt):
        execute(STAGE1, _stage1(bigfish), root=tmp_path, name="cut", report=False)
    monkeypatch.setattr(Run, "log", log)
    cut = execute(STAGE1, resume=tmp_path / "cut", report=False)
    a, b = load_tree(whole / "artifacts" / "models.npz"), load_tree(cut / "artifacts" / "models.npz")
    for net in ("idm", "fdm"):
        for k in a[net]:
            assert np.array_equal(np.asarray(a[net][k]), np.asarray(b[net][k])), (net, k)
    rows = [json.loads(x) for x in (whole / "metrics.jsonl").read_text().splitlines()]
    probed = [r for r in rows if "probe_test_acc" in r]
    assert [r["step"] for r in probed] == [2, 4] and 0.0 <= probed[-1]["probe_test_acc"] <= 1.0
    assert (whole / "artifacts" / "reconstructions.png").is_file()
    assert (whole / "artifacts" / "latent_map.png").is_file()


@pytest.fixture(scope="module")
def stage2(bigfish, tmp_path_factory):
    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp("stages")
    s1 = execute(STAGE1, _stage1(bigfish, steps=2), root=root, name="s1", report=False)
    return execute(
        STAGE2,
        LatentPolicyConfig(dynamics=str(s1), steps=3, batch_size=8, warmup=1, device="cpu"),
        root=root,
        name="s2",
        report=False,
    )


def test_the_three_stages_chain_from_frames_to_a_decoded_policy_that_plays(bigfish, stage2, tmp_path):
    s2 = stage2
    rows = [json.loads(x) for x in (s2 / "metrics.jsonl").read_text().splitlines()]
    assert rows[-1]["step"] == 3 and np.isfinite(rows[-1]["bc_loss_test"])
    cfg = OfflineDecodeConfig(
        policy=str(s2),
        labelled=str(bigfish),
        sizes=(20, 50),
        decoder=DecoderConfig(epochs=1),
        episodes=2,
        device="cpu",
    )
    dec = execute(DECODE, cfg, root=tmp_path, name="dec", report=False)
    results = json.loads((dec / "artifacts" / "decoding.json").read_text())
    assert [r["labelled"] for r in results] == [20, 50]
    assert all(r["episodes"] == 2 and 0.0 <= r["decoder_accuracy"] <= 1.0 for r in results)
    with pytest.raises(ValueError, match="labelled transitions"):
        execute(DECODE, cfg.replace(sizes=(10**6,)), root=tmp_path, name="too-many", report=False)


def test_the_cli_names_an_unfinished_stage_in_one_line(tmp_path, capsys):
    from openended.cli import main

    code = main(["lapo", "stage2", "--dynamics", str(tmp_path), "--runs-root", str(tmp_path)])
    err = capsys.readouterr().err
    assert code != 0 and "dynamics" in err and "Traceback" not in err
    code = main(["lapo", "stage1", "--dataset", str(tmp_path / "none")])
    err = capsys.readouterr().err
    assert code != 0 and "dataset" in err and "Traceback" not in err


def test_the_cli_refuses_more_labels_than_the_dataset_holds_in_one_line(bigfish, stage2, tmp_path, capsys):
    from openended.cli import main

    args = ["lapo", "decode", "--policy", str(stage2), "--labelled", str(bigfish), "--sizes", "1000000"]
    code = main([*args, "--runs-root", str(tmp_path)])
    err = capsys.readouterr().err
    assert code != 0 and "sizes" in err and "1000000" in err and "Traceback" not in err
    assert not list(tmp_path.iterdir())  # refused before a run directory was made


def test_online_decoding_learns_only_its_rl_parts_refits_the_decoder_and_resumes(
    stage2, tmp_path, monkeypatch
):
    from openended.lapo.cli import ONLINE
    from openended.lapo.config import OnlineDecodeConfig

    torch.set_num_threads(1)
    ppo = OnlineDecodeConfig().ppo.replace(num_envs=4, num_steps=16, minibatches=2, epochs=1)
    # 64 frames an update: refits from frame 10 on (dense), RL parts learning from frame 0
    cfg = OnlineDecodeConfig(
        policy=str(stage2),
        frames=256,
        ppo=ppo,
        head_start=(0, 64),
        value_start=(0, 64),
        trunk_start=(64, 128),
        refit=(10, 200),
        eval_every=0,
        eval_episodes=2,
        checkpoint_every=2,
        threads=1,
        device="cpu",
    )
    whole = execute(ONLINE, cfg, root=tmp_path, name="whole", report=False)
    rows = [json.loads(x) for x in (whole / "metrics.jsonl").read_text().splitlines()]
    assert [r["frames"] for r in rows] == [64, 128, 192, 256]
    assert [r["refits"] for r in rows] == [1, 2, 3, 3]  # 64, 128, 192 lie in (10, 200); 256 does not
    assert rows[-1]["eval_normalized"] == rows[-1]["eval_normalized"]  # scored at the end (not NaN)
    log = Run.log

    def crash(self, step, **metrics):
        log(self, step, **metrics)
        if step == 192:
            raise KeyboardInterrupt

    monkeypatch.setattr(Run, "log", crash)
    with pytest.raises(KeyboardInterrupt):
        execute(ONLINE, cfg, root=tmp_path, name="cut", report=False)
    monkeypatch.setattr(Run, "log", log)
    cut = execute(ONLINE, resume=tmp_path / "cut", report=False)
    resumed = [json.loads(x) for x in (cut / "metrics.jsonl").read_text().splitlines()]
    assert [r["refits"] for r in resumed] == [1, 2, 3, 3]
    assert resumed[-1]["eval_return"] == rows[-1]["eval_return"]
