"""PAIRED (Dennis et al. 2020): a teacher builds levels to maximize the regret of a protagonist, estimated as
the antagonist's best return minus the protagonist's mean return on the same level; both students train on
the teacher's levels with PPO, the teacher with PPO on that regret (a reward at its last edit).
"""

from __future__ import annotations

from dataclasses import replace

import jax
import jax.numpy as jnp
from flax import struct
from flax.training.train_state import TrainState

from openended.core import scores as S
from openended.ued import generators
from openended.ued.config import UEDConfig
from openended.ued.editor import MazeEditor
from openended.ued.network import TeacherNetwork
from openended.ued.ppo import PPOHyper, clipped_objective, gae, make_optimizer, sample_action
from openended.ued.train import Trainer


@struct.dataclass
class TeacherStep:
    image: jax.Array
    time: jax.Array
    noise: jax.Array
    action: jax.Array
    log_prob: jax.Array
    value: jax.Array


@struct.dataclass
class PAIREDState:
    train: TrainState  # the protagonist (the student that is evaluated)
    antagonist: TrainState
    teacher: TrainState
    key: jax.Array
    update: jax.Array


class PAIRED(Trainer[PAIREDState]):
    """Two students of the same kind (:class:`~openended.ued.student.Student`: rollouts, PPO) and a teacher;
    no level buffer."""

    def __init__(self, cfg: UEDConfig) -> None:
        super().__init__(cfg)
        p = cfg.paired
        self.editor = MazeEditor(n_walls=p.wall_budget, noise_dim=p.noise_dim)
        self.teacher_net = TeacherNetwork(self.editor.num_actions, self.editor.episode_length)
        self.teacher_hyper = PPOHyper(
            cfg.ppo.clip_eps, cfg.ppo.vf_coef, p.teacher_ent_coef, cfg.ppo.epochs, 1
        )

    def init(self, key: jax.Array) -> PAIREDState:
        k_pro, k_ant, k_teacher, key = jax.random.split(key, 4)

        def student(k: jax.Array) -> TrainState:
            k_params, k_level, _ = jax.random.split(k, 3)
            return self.student.init(k_params, generators.sample_level(k_level, self.cfg.n_walls))

        protagonist, antagonist = student(k_pro), student(k_ant)
        obs, _ = jax.vmap(self.editor.reset)(jax.random.split(k_teacher, self.cfg.num_envs))
        params = self.teacher_net.init(k_teacher, obs.image, obs.time, obs.noise)
        teacher = TrainState.create(
            apply_fn=self.teacher_net.apply,
            params=params,
            tx=make_optimizer(self.cfg.paired.teacher_lr, self.cfg.ppo.max_grad_norm),
        )
        state = PAIREDState(protagonist, antagonist, teacher, key, jnp.zeros((), jnp.int32))
        return jax.device_put(state, self.replicated)

    def _design(self, key: jax.Array, teacher: TrainState):
        """One editing episode per environment: the levels and the teacher's trajectory."""
        k_reset, k_act = jax.random.split(key)
        obs, state = jax.vmap(self.editor.reset)(jax.random.split(k_reset, self.cfg.num_envs))

        def step(carry, k):  # noqa: ANN001 - scan body
            obs, state = carry
            logits, value = teacher.apply_fn(teacher.params, obs.image, obs.time, obs.noise)
            action, log_prob = sample_action(k, logits)
            record = TeacherStep(obs.image, obs.time, obs.noise, action, log_prob, value)
            obs, state, _ = jax.vmap(self.editor.step)(state, action)
            return (obs, state), record

        (_, final), traj = jax.lax.scan(
            step, (obs, state), jax.random.split(k_act, self.editor.episode_length)
        )
        return jax.vmap(self.editor.level)(final), traj

    def _teacher_update(self, key: jax.Array, teacher: TrainState, traj: TeacherStep, regret: jax.Array):
        length = self.editor.episode_length
        rewards = jnp.zeros((length, self.cfg.num_envs)).at[-1].set(regret)
        dones = jnp.zeros((length, self.cfg.num_envs), bool).at[-1].set(True)
        adv, targets = gae(
            rewards,
            traj.value,
            dones,
            jnp.zeros(self.cfg.num_envs),
            self.cfg.ppo.gamma,
            self.cfg.ppo.gae_lambda,
        )
        mask = jnp.ones_like(adv)

        def loss(params, _):  # noqa: ANN001
            logits, values = teacher.apply_fn(params, traj.image, traj.time, traj.noise)
            return clipped_objective(
                logits, values, traj.action, traj.log_prob, traj.value, adv, targets, mask, self.teacher_hyper
            )

        def epoch(t: TrainState, k: jax.Array):
            (_, info), grads = jax.value_and_grad(loss, has_aux=True)(t.params, k)
            return t.apply_gradients(grads=grads), info

        teacher, infos = jax.lax.scan(epoch, teacher, jax.random.split(key, self.cfg.ppo.epochs))
        return teacher, jax.tree_util.tree_map(jnp.mean, infos)

    def _step(self, state: PAIREDState) -> tuple[PAIREDState, dict[str, jax.Array]]:
        key, k_design, k_pro, k_ant, k_lp, k_la, k_teach = jax.random.split(state.key, 7)
        levels, teacher_traj = self._design(k_design, state.teacher)
        pro_traj, pro_adv, pro_targets = self.student.rollout(k_pro, state.train, levels)
        ant_traj, ant_adv, ant_targets = self.student.rollout(k_ant, state.antagonist, levels)
        pro_returns, pro_valid = S.episode_returns(pro_traj.reward, pro_traj.done, xp=jnp)
        ant_returns, ant_valid = S.episode_returns(ant_traj.reward, ant_traj.done, xp=jnp)
        pro_mean = jnp.sum(jnp.where(pro_valid, pro_returns, 0.0), axis=0) / jnp.maximum(
            jnp.sum(pro_valid, axis=0), 1
        )
        ant_best = jnp.max(jnp.where(ant_valid, ant_returns, 0.0), axis=0)
        regret = ant_best - pro_mean
        protagonist, info = self.student.learn(k_lp, state.train, pro_traj, pro_adv, pro_targets)
        antagonist, _ = self.student.learn(k_la, state.antagonist, ant_traj, ant_adv, ant_targets)
        teacher, teacher_info = self._teacher_update(k_teach, state.teacher, teacher_traj, regret)
        metrics = {
            **self.student.rollout_metrics(pro_traj),
            **info,
            "branch": jnp.int32(0),
            "buffer_size": jnp.int32(0),
            "regret": jnp.mean(regret),
            "antagonist_return": jnp.mean(ant_best),
            "teacher_entropy": teacher_info["entropy"],
            "level_walls": jnp.mean(jnp.sum(levels.wall_map, axis=(1, 2))),
        }
        return replace(
            state, train=protagonist, antagonist=antagonist, teacher=teacher, key=key, update=state.update + 1
        ), metrics
