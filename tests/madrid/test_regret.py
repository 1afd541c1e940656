import numpy as np
import torch

from openended.madrid.chaser import Chaser
from openended.madrid.config import FootballConfig
from openended.madrid.levels import mirror
from openended.madrid.regret import Evaluator, Reference

CPU = torch.device("cpu")
# ball just off-centre before the right goal, a blue player behind it, red's outfield far away: blue
# usually scores; DEFEND is the same seen from the other end (red usually scores)
ATTACK = [0.88, 0.06, 0.83, 0.06, 0.8, 0.15, -0.6, 0.3, -0.6, -0.3]
DEFEND = mirror(np.array([ATTACK]))[0].tolist()


def test_regret_of_a_policy_against_itself_is_zero_in_expectation():
    torch.manual_seed(0)
    target = Chaser()
    ev = Evaluator(
        target,
        [Reference("itself", policy=target)],
        FootballConfig(players=3, episode_steps=64),
        repeats=48,
        levels_per_call=2,
        device=CPU,
        seed=0,
    )
    regret, sp, xp = ev.regret(np.array([ATTACK, DEFEND]))
    assert regret.shape == (2, 1)
    # the games are not all goalless (else the test would prove nothing): from ATTACK blue mostly scores,
    # from DEFEND red does
    assert sp[0] > 0.3 and xp[0, 0] > 0.3
    assert sp[1] < -0.3 and xp[1, 0] < -0.3
    # 48 games per term: each mean has a standard error below 0.15, their difference below 0.21
    assert np.all(np.abs(regret) < 0.45)
    # the same seed gives the same games
    ev2 = Evaluator(
        target,
        [Reference("itself", policy=target)],
        FootballConfig(players=3, episode_steps=64),
        48,
        2,
        CPU,
        0,
    )
    assert np.array_equal(ev2.regret(np.array([ATTACK, DEFEND]))[0], regret)


def test_a_reference_that_plays_better_from_a_level_has_positive_regret():
    # a target that stands still against a reference that chases the ball: from ATTACK the reference
    # scores, the idle target does not
    class Idle(Chaser):
        def forward(self, obs):
            logits = torch.full((len(obs), 9), -30.0)
            logits[:, 0] = 0.0
            return logits, torch.zeros(len(obs))

    ev = Evaluator(
        Idle(),
        [Reference("chaser", policy=Chaser()), Reference("scripted 0.95", strength=0.95)],
        FootballConfig(players=3, episode_steps=64),
        repeats=8,
        levels_per_call=1,
        device=CPU,
        seed=1,
    )
    regret, sp, xp = ev.regret(np.array([ATTACK]))
    assert sp[0] == 0.0  # nobody moves, nobody scores
    assert xp[0, 0] > 0.5 and regret[0, 0] > 0.5
    # the scripted team, placed on the left by mirroring the level, scores too
    assert xp[0, 1] > 0.5
    # replay of one game each, in the level's orientation: the reference's ball ends in the right goal
    v_ref, v_tgt, frames_ref, _frames_tgt = ev.replay(np.array(ATTACK), 1)
    assert v_tgt == 0.0 and v_ref == 1.0
    assert frames_ref[-1, 0, 0] > 1.0 and np.allclose(frames_ref[0, 0], ATTACK[:2], atol=1e-5)


def test_games_played_in_worker_processes_are_the_games_played_here():
    # each world batch draws from its own generator, so moving the batches into worker processes changes
    # where the games run, not which games: the same values, the learned left sides (target, chaser) split
    # into two batches beside the scripted one
    refs = [Reference("chaser", policy=Chaser()), Reference("scripted 0.5", strength=0.5)]
    levels = np.array([ATTACK, DEFEND])
    football = FootballConfig(players=3, episode_steps=32)
    here = Evaluator(Chaser(), refs, football, 3, 2, CPU, 5, learned_batches=2)
    with Evaluator(Chaser(), refs, football, 3, 2, CPU, 5, parallel=True, learned_batches=2) as there:
        assert len(there.tables) == 3
        first = there.regret(levels)
        second = there.regret(levels)  # the workers keep serving
        procs = [t.proc for t in there.tables]
    for a, b in zip(here.regret(levels), first, strict=True):
        assert np.array_equal(a, b)
    assert np.array_equal(here.regret(levels)[0], second[0])
    assert not any(p.is_alive() for p in procs)  # closing the evaluator stops its workers
