"""GRPO on ExIt's autocurriculum, with TRL's ``GRPOTrainer``.

TRL does the GRPO: sampling G answers per prompt, group-normalized advantages, the clipped objective, the KL
to a reference replaced every M steps. What it cannot do is written here, and only that:

- **the prompt source**: :class:`CurriculumPrompts`, an endless stream (a ``datasets.IterableDataset``) that
  draws each prompt from the curriculum when the trainer asks for it. The dataloader fetches a generation
  batch ahead, so the buffer a draw sees lags the newest scored group by one step;
- **scoring a group and growing the buffer**: :class:`ExItReward`, the reward function; it sees each group's
  G answers together (single process: TRL keeps a group's rollouts contiguous), scores them with the
  verifier, and hands the group to the curriculum;
- **the diversity bonus**: :class:`ExItGRPOTrainer` multiplies TRL's advantages by the bonus the reward
  function computed for the same rollouts. This overrides ``_generate_and_score_completions``, a private
  method, so TRL is pinned (``openended[exit]``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from openended.core.runs import Run
from openended.exploratory_iteration.config import ExItConfig
from openended.exploratory_iteration.curriculum import Draw, ExItCurriculum
from openended.exploratory_iteration.diversity import diversity_bonus

CURRICULUM_STATE = "curriculum.json"
REFERENCE_STATE = "reference.safetensors"


def _require() -> tuple[Any, Any]:
    try:
        import torch
        import trl
    except ImportError:
        raise ImportError("ExIt's training needs TRL: pip install 'openended[exit]'") from None
    return torch, trl


class CurriculumPrompts:
    """The prompt source for ``GRPOTrainer``: an endless stream of ``{"prompt": chat, "draw_id": id}``, each
    drawn from the curriculum when the trainer asks for it (TRL repeats each item G times for its group)."""

    def __init__(self, curriculum: ExItCurriculum) -> None:
        self.curriculum = curriculum

    def stream(self) -> Any:
        while True:
            draw = self.curriculum.draw()
            yield {"prompt": self.curriculum.prompt(draw), "draw_id": draw.id}

    def dataset(self) -> Any:
        import datasets

        return datasets.IterableDataset.from_generator(self.stream)

    def draw(self, draw_id: int) -> Draw:
        found = self.curriculum.open.get(draw_id)
        if found is None:
            raise KeyError(f"draw {draw_id} was scored already or never drawn")
        return found


def completion_text(completion: Any) -> str:
    """The answer's text from TRL's completion (a chat turn list or a string)."""
    if isinstance(completion, list):
        return "".join(str(m.get("content", "")) for m in completion if isinstance(m, dict))
    return str(completion)


class ExItReward:
    """The reward function TRL calls with every rollout of a generation batch."""

    __name__ = "verifier"

    def __init__(self, prompts: CurriculumPrompts, cfg: ExItConfig, embed: Any = None) -> None:
        self.prompts, self.cfg = prompts, cfg
        self.group = cfg.grpo.group_size
        self._embed = embed
        self.bonus: np.ndarray | None = None  # for the trainer to take, aligned with the rollouts

    def embed(self, texts: list[str]) -> np.ndarray:
        if self._embed is None:
            from openended.llm.embeddings import embed

            self._embed = embed
        return np.asarray(self._embed(texts))

    def __call__(
        self, prompts: list[Any], completions: list[Any], draw_id: list[int], **_: Any
    ) -> list[float]:
        texts = [completion_text(c) for c in completions]
        if len(texts) % self.group:
            raise RuntimeError(f"{len(texts)} rollouts do not make groups of {self.group}: one process only")
        rewards: list[float] = []
        for start in range(0, len(texts), self.group):
            ids = set(draw_id[start : start + self.group])
            if len(ids) != 1:
                raise RuntimeError(f"a group mixes prompts {sorted(ids)}: one process only")
            draw = self.prompts.draw(ids.pop())
            chunk = texts[start : start + self.group]
            r, verdicts = self.prompts.curriculum.score(draw, chunk)
            self.prompts.curriculum.observe(draw, chunk, verdicts, r)
            rewards.extend(r)
        self.bonus = diversity_bonus(self.embed(texts), self.group) if self.cfg.diversity_bonus else None
        return rewards


def apply_bonus(out: dict[str, Any], bonus: np.ndarray) -> dict[str, Any]:
    """TRL's batch with its advantages multiplied by the bonus coefficients, rollout by rollout."""
    adv = out["advantages"]
    if adv.shape[0] != len(bonus):
        raise RuntimeError(f"{len(bonus)} bonus coefficients for {adv.shape[0]} advantages")
    coef = adv.new_tensor(np.asarray(bonus, dtype=np.float32)).reshape((-1,) + (1,) * (adv.dim() - 1))
    return {**out, "advantages": adv * coef}


def make_trainer_class(trl: Any) -> Any:
    class ExItGRPOTrainer(trl.GRPOTrainer):
        """``GRPOTrainer`` whose advantages are multiplied by ExIt's diversity bonus when one was computed."""

        exit_reward: ExItReward | None = None
        bonus_batches = 0  # generation batches whose advantages got the bonus (logged)

        def _generate_and_score_completions(self, inputs: Any) -> Any:
            out = super()._generate_and_score_completions(inputs)
            reward = self.exit_reward
            if reward is not None and reward.bonus is not None:
                bonus, reward.bonus = reward.bonus, None
                out = apply_bonus(out, bonus)
                self.bonus_batches += 1
            return out

    return ExItGRPOTrainer


def _latest_trainer_checkpoint(folder: Path) -> tuple[int, Path] | None:
    """The newest of TRL's checkpoints that holds the curriculum too, with its step."""
    found = [
        (int(p.name.split("-")[1]), p)
        for p in folder.glob("checkpoint-*")
        if p.name.split("-")[1].isdigit() and (p / CURRICULUM_STATE).is_file()
    ]
    return max(found) if found else None


def train(run: Run) -> Path:
    """Train the policy; returns the folder of the trained checkpoint (``artifacts/policy``)."""
    torch, trl = _require()
    import transformers

    from openended.llm.finetune import resolve_checkpoint

    cfg: ExItConfig = run.config  # type: ignore[assignment]
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    cuda = torch.cuda.is_available() if cfg.device == "auto" else cfg.device.startswith("cuda")
    base = resolve_checkpoint(cfg.model)
    curriculum = ExItCurriculum(cfg)
    folder = run.path / "trainer"
    latest = _latest_trainer_checkpoint(folder)
    resume = latest[1] if latest else None
    if latest is not None:
        step, checkpoint = latest
        curriculum.load_state(json.loads((checkpoint / CURRICULUM_STATE).read_text()))
        if step >= cfg.steps:
            # training had ended: the last checkpoint is the policy (resuming a finished trainer would
            # run one step more)
            model = transformers.AutoModelForCausalLM.from_pretrained(checkpoint)
            return _finish(run, curriculum, model, base)
    g = cfg.grpo
    batch = g.prompts_per_step * g.group_size
    prompts = CurriculumPrompts(curriculum)
    reward = ExItReward(prompts, cfg)
    args = trl.GRPOConfig(
        output_dir=str(folder),
        per_device_train_batch_size=batch,
        gradient_accumulation_steps=1,
        steps_per_generation=1,
        num_generations=g.group_size,
        max_steps=cfg.steps,
        learning_rate=g.lr,
        lr_scheduler_type="constant",
        beta=g.beta,
        epsilon=g.epsilon,
        loss_type="grpo",
        scale_rewards="group",
        sync_ref_model=g.beta > 0,
        ref_model_sync_steps=g.ref_sync_steps,
        ref_model_mixup_alpha=1.0,  # the reference is replaced by the policy (paper: α = 1)
        temperature=g.temperature,
        max_completion_length=g.max_completion_tokens,
        shuffle_dataset=False,
        ignore_data_skip=True,  # the prompts are a stream: nothing to skip on resume
        save_strategy="steps",
        save_steps=cfg.checkpoint_every,
        # two: the older survives a crash between TRL's save (which prunes) and the curriculum's
        save_total_limit=2,
        logging_steps=1,
        report_to=[],
        seed=cfg.seed,
        use_cpu=not cuda,
        bf16=bool(cuda),
        disable_tqdm=True,  # the run's own progress bar instead of TRL's, which also prints every log
        dataloader_num_workers=0,
    )
    tokenizer = transformers.AutoTokenizer.from_pretrained(base, local_files_only=True)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    trainer_cls = make_trainer_class(trl)
    trainer = trainer_cls(
        model=str(base),
        reward_funcs=[reward],
        args=args,
        train_dataset=prompts.dataset(),
        processing_class=tokenizer,
        callbacks=[callback := _callback(transformers, run, curriculum)],
    )
    trainer.exit_reward = reward
    trainer.remove_callback(transformers.PrinterCallback)
    callback.trainer = trainer
    if resume is not None and (resume / REFERENCE_STATE).is_file() and trainer.ref_model is not None:
        # TRL's checkpoints hold the policy, not the KL reference it last synced
        from safetensors.torch import load_file

        trainer.ref_model.load_state_dict(load_file(resume / REFERENCE_STATE), strict=False)
    trainer.train(resume_from_checkpoint=str(resume) if resume else None)
    return _finish(run, curriculum, trainer.model, base)


def _finish(run: Run, curriculum: ExItCurriculum, model: Any, base: Path) -> Path:
    """Save the trained policy (with the base's tokenizer) and the buffer at the end of training."""
    import transformers

    out = run.artifact("policy")
    model.save_pretrained(str(out))
    transformers.AutoTokenizer.from_pretrained(base, local_files_only=True).save_pretrained(str(out))
    (run.path / "artifacts" / "buffer.json").write_text(
        json.dumps(
            {
                "depths": curriculum.depth_histogram(),
                "entries": [
                    {"score": e.score, "depth": e.item.depth, "task": e.item.to_dict()}
                    for e in curriculum.buffer.entries
                ],
            },
            indent=1,
        )
    )
    return out


def _callback(transformers: Any, run: Run, curriculum: ExItCurriculum) -> Any:
    class ExItCallback(transformers.TrainerCallback):
        """Logs TRL's and the curriculum's numbers into the run, and saves the curriculum with each of
        TRL's checkpoints so a resumed run gets back its buffer."""

        def __init__(self) -> None:
            self.since = len(curriculum.groups)
            self.bar: Any = None
            self.trainer: Any = None  # set once the trainer exists: its KL reference is saved too

        def on_train_begin(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            self.bar = run.progress(int(args.max_steps), initial=int(state.global_step), desc="GRPO steps")

        def on_step_end(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            if self.bar is not None:
                self.bar.update(int(state.global_step) - self.bar.n)

        def on_train_end(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            if self.bar is not None:
                self.bar.close()

        def on_log(self, args: Any, state: Any, control: Any, logs: Any = None, **kw: Any) -> None:
            if not logs or "reward" not in logs:  # the end-of-training summary has no step numbers
                return
            trl_numbers = {
                f"trl_{k.replace('/', '_')}": float(v)
                for k, v in logs.items()
                if k
                in ("loss", "reward", "reward_std", "frac_reward_zero_std", "kl", "completions/mean_length")
            }
            if getattr(self.trainer, "bonus_batches", 0):
                trl_numbers["diversity_bonus_batches"] = float(self.trainer.bonus_batches)
            run.log(int(state.global_step), **curriculum.metrics(self.since), **trl_numbers)
            self.since = len(curriculum.groups)

        def on_save(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            ckpt = Path(args.output_dir) / f"checkpoint-{state.global_step}"
            if not ckpt.is_dir():
                return
            ref = getattr(self.trainer, "ref_model", None)
            if ref is not None:
                from safetensors.torch import save_file

                save_file(_untied(ref.state_dict()), str(ckpt / REFERENCE_STATE))
            # written last: a checkpoint counts for resuming only once it holds the curriculum
            (ckpt / CURRICULUM_STATE).write_text(json.dumps(curriculum.state()))

    return ExItCallback()


def _untied(state: dict[str, Any]) -> dict[str, Any]:
    """A CPU state dict safetensors accepts: tensors sharing storage (tied embeddings) kept once."""
    seen: set[int] = set()
    out = {}
    for k, v in state.items():
        ptr = v.untyped_storage().data_ptr()
        if ptr not in seen:
            seen.add(ptr)
            out[k] = v.detach().contiguous().cpu()
    return out
