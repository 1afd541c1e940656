"""Commands of LAPO: ``openended lapo stage1 | stage2 | decode | online``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from openended.core.commands import Experiment, TourEntry, add_run_command, execute
from openended.core.config import Config, ConfigError
from openended.core.report import Report, curves_figure
from openended.core.runs import Run, read_meta, read_metrics
from openended.lapo.config import DynamicsConfig, LatentPolicyConfig, OfflineDecodeConfig, OnlineDecodeConfig


def _stage1(run: Run) -> None:
    from openended.lapo.dynamics import train_dynamics

    train_dynamics(run)


def _stage2(run: Run) -> None:
    from openended.lapo.latent_policy import train_latent_policy

    train_latent_policy(run)


def _decode(run: Run) -> None:
    from openended.lapo.decoder import decode_offline

    decode_offline(run)


def _online(run: Run) -> None:
    from openended.lapo.online import decode_online

    decode_online(run)


def _curves(report: Report, run_dir: Path, title: str, keys: tuple[str, ...]) -> None:
    rows = read_metrics(run_dir)
    present = [k for k in keys if any(k in r for r in rows)]
    for k in present:
        points = [r for r in rows if k in r]
        report.section(f"{title}: {k}").figure(curves_figure(points, [k]))


def _stage1_sections(report: Report, run_dir: Path) -> None:
    _curves(
        report,
        run_dir,
        "stage 1",
        (
            "fdm_loss",
            "fdm_loss_test",
            "fdm_loss_test_no_latent",
            "probe_test_acc",
            "perplexity",
            "codes_used",
        ),
    )
    figure = run_dir / "artifacts" / "reconstructions.png"
    if figure.is_file():
        report.section("Reconstructions").image(
            figure,
            "held-out o_t, the true o_{t+1}, the FDM's prediction, and the prediction with the latent zeroed",
        )
    figure = run_dir / "artifacts" / "latent_map.png"
    if figure.is_file():
        report.section("Latent actions").image(
            figure, "t-SNE of held-out latents, coloured by the true action"
        )


def _stage2_sections(report: Report, run_dir: Path) -> None:
    _curves(report, run_dir, "stage 2", ("bc_loss", "bc_loss_test"))


def _online_sections(report: Report, run_dir: Path) -> None:
    rows = [r for r in read_metrics(run_dir) if "eval_normalized" in r]
    if rows:
        report.section("Stage 3: return while PPO learns").figure(
            curves_figure(rows, ["eval_normalized", "train_normalized"], x="frames")
        )


def _decode_sections(report: Report, run_dir: Path) -> None:
    path = run_dir / "artifacts" / "decoding.json"
    if path.is_file():
        report.section("Offline decoding: return against labelled transitions").table(
            json.loads(path.read_text())
        )


def _finished(field: str, run_dir: str, system: str, artifact: str) -> None:
    path = Path(run_dir)
    if not run_dir or not (path / "run.json").is_file():
        raise ConfigError(field, f"not a run directory: {run_dir!r}")
    if read_meta(path).get("system") != system:
        raise ConfigError(field, f"{run_dir} is not an openended {system} run")
    if not (path / "artifacts" / artifact).is_file():
        raise ConfigError(field, f"{run_dir} has not finished (no artifacts/{artifact})")


def _dataset(field: str, value: str) -> None:
    from openended.rl.datasets import locate

    try:
        locate(value)
    except FileNotFoundError as err:
        raise ConfigError(field, str(err)) from None


def _check_stage1(cfg: Config) -> None:
    assert isinstance(cfg, DynamicsConfig)
    _dataset("dataset", cfg.dataset)
    if cfg.labelled:
        _dataset("labelled", cfg.labelled)


def _check_stage2(cfg: Config) -> None:
    assert isinstance(cfg, LatentPolicyConfig)
    _finished("dynamics", cfg.dynamics, STAGE1.system, "models.npz")
    if cfg.dataset:
        _dataset("dataset", cfg.dataset)


def _check_online(cfg: Config) -> None:
    assert isinstance(cfg, OnlineDecodeConfig)
    _finished("policy", cfg.policy, STAGE2.system, "policy.npz")


def _check_decode(cfg: Config) -> None:
    assert isinstance(cfg, OfflineDecodeConfig)
    _finished("policy", cfg.policy, STAGE2.system, "policy.npz")
    _dataset("labelled", cfg.labelled)
    from openended.lapo.decoder import held_out_count
    from openended.rl.datasets import locate

    meta = json.loads((locate(cfg.labelled) / "metadata.json").read_text())
    # each episode's first and last step have no frame triple
    usable = int(meta.get("total_steps", 0)) - 2 * int(meta.get("total_episodes", 0))
    spare = usable - held_out_count(usable) if usable > held_out_count(usable) else usable
    if max(cfg.sizes) > spare:
        raise ConfigError(
            "sizes",
            f"{max(cfg.sizes)} labelled transitions asked for; {cfg.labelled} has {spare} to fit on "
            f"(after {held_out_count(usable)} kept aside to score the decoders)",
        )


STAGE1 = Experiment("lapo-stage1", DynamicsConfig, _stage1, _stage1_sections, check=_check_stage1)
STAGE2 = Experiment("lapo-stage2", LatentPolicyConfig, _stage2, _stage2_sections, check=_check_stage2)
DECODE = Experiment("lapo-decode", OfflineDecodeConfig, _decode, _decode_sections, check=_check_decode)
ONLINE = Experiment("lapo-online", OnlineDecodeConfig, _online, _online_sections, check=_check_online)
EXPERIMENT = STAGE1
EXPERIMENTS = (STAGE1, STAGE2, DECODE, ONLINE)


def register(sub: argparse._SubParsersAction) -> None:
    add_run_command(sub, STAGE1, "stage 1: IDM + FDM on observation-only frames (latent actions)", "stage1")
    add_run_command(sub, STAGE2, "stage 2: latent behaviour cloning from the IDM's latents", "stage2")
    add_run_command(
        sub, DECODE, "stage 3 offline: decode latents to actions from a small labelled set", "decode"
    )


def tour(root: Path) -> TourEntry:
    """bigfish on CPU: 600 frames from the shipped expert, a few steps of each stage at toy widths, and
    one decoder fit on 200 labelled transitions, scored on a few test-level episodes."""
    from openended.lapo.config import DecoderConfig, ModelConfig, ProbeConfig, VQConfig
    from openended.rl.cli import COLLECT
    from openended.rl.config import CollectConfig

    data = execute(
        COLLECT,
        CollectConfig(game="bigfish", transitions=600, num_envs=8, device="cpu"),
        root=root,
        name="lapo-bigfish-data",
    )
    model = ModelConfig(idm_scale=1, policy_scale=1, features=64, fdm_width=4, vq=VQConfig(codes=16))
    stage1 = execute(
        STAGE1,
        DynamicsConfig(
            dataset=str(data), model=model, steps=40, batch_size=16, held_out=0.2, probe_every=0,
            probe=ProbeConfig(samples=200, test_samples=100, epochs=2), device="cpu",
        ),
        root=root,
        name="lapo-stage1-bigfish",
    )  # fmt: skip
    stage2 = execute(
        STAGE2,
        LatentPolicyConfig(dynamics=str(stage1), steps=40, batch_size=16, warmup=5, device="cpu"),
        root=root,
        name="lapo-stage2-bigfish",
    )
    decode = execute(
        DECODE,
        OfflineDecodeConfig(
            policy=str(stage2), labelled=str(data), sizes=(200,), decoder=DecoderConfig(epochs=2),
            episodes=4, device="cpu",
        ),
        root=root,
        name="lapo-decode-bigfish",
    )  # fmt: skip
    probe = [r for r in read_metrics(stage1) if "probe_test_acc" in r][-1]
    decoded = json.loads((decode / "artifacts" / "decoding.json").read_text())[0]
    return TourEntry(
        decode,
        {
            "fdm_loss_test": round(probe["fdm_loss_test"], 4),
            "probe_test_acc": round(probe["probe_test_acc"], 3),
            "decoded_return": round(decoded["return"], 2),
        },
        stage1 / "artifacts" / "reconstructions.png",
    )
