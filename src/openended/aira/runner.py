"""An AIRA run: resolve the task and the models, search step by step with a progress bar and a metrics row per
node (resumable: the agent continues from the journal), then the summary and the figures."""

from __future__ import annotations

import json

from openended.aira.config import AIRAConfig
from openended.aira.task import Task
from openended.core.config import ConfigError
from openended.core.runs import Run
from openended.llm import LLM


def resolve_task(cfg: AIRAConfig) -> Task:
    """The task a config names, or a one-line config error naming the field."""
    from openended.aira.tasks import TaskFileError, UnknownTask, get, load_file

    try:
        return load_file(cfg.task_file) if cfg.task_file else get(cfg.task)
    except TaskFileError as e:
        raise ConfigError("task_file", str(e)) from None
    except UnknownTask as e:
        raise ConfigError("task", str(e)) from None


def load_models(cfg: AIRAConfig) -> dict[str, LLM]:
    """One model per distinct spec; ``scripted:aira-demo`` is the demo's scripted model (a test double)."""
    from openended.aira.demo import DEMO_MODEL, demo_model
    from openended.llm import load_shared

    specs = [cfg.model, cfg.analyze_model or cfg.model]
    models = load_shared([s for s in specs if s != DEMO_MODEL])
    if DEMO_MODEL in specs:
        models[DEMO_MODEL] = demo_model()
    return models


def run_search(run: Run) -> None:
    from openended.aira.agent import Agent
    from openended.aira.report import score_figure, tree_figure

    cfg: AIRAConfig = run.config  # type: ignore[assignment]
    task = resolve_task(cfg)
    models = load_models(cfg)
    agent = Agent(cfg, task, run.path, models[cfg.model], models[cfg.analyze_model or cfg.model])
    bar = run.progress(cfg.steps, initial=len(agent.journal), desc=f"aira {task.name} {cfg.policy}")
    while not agent.done:
        node = agent.step()
        best = agent.journal.best()
        run.log(
            node.id,
            operator=node.operator,
            buggy=node.is_buggy,
            validation=node.metric,
            best_validation=best.metric if best else None,
            selected_test=best.test_score if best else None,
            valid_submissions=sum(n.valid_submission for n in agent.journal.nodes),
            elapsed_s=agent.elapsed,
        )
        bar.update(1)
    bar.close()
    summary = agent.summary() | {"policy": cfg.policy, "operators": cfg.operators, "model": cfg.model}
    run.artifact("summary.json").write_text(json.dumps(summary, indent=1))
    tree_figure(agent.journal, f"{task.name} — {cfg.policy}").savefig(run.artifact("tree.png"), dpi=110)
    score_figure(agent.journal).savefig(run.artifact("scores.png"), dpi=110)
    for m in models.values():
        m.close()
