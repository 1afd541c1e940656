"""A hand-written football team: every outfield player gets behind the ball and pushes it at the goal
(actions sampled around that, so games differ). It calibrates what a game from a level can show — how many
steps a team that goes straight for the goal needs to score (``benchmarks/madrid/calibrate.py``) — and gives
the tests games that end in goals.

VMAS football's observation holds, in the player's own frame (mirrored for red), its offset from the ball
at columns 2-3, the ball's offset from the goal it attacks at 6-7 and its own offset from that goal at
12-13; VMAS's 9 discrete actions move by (dx, dy) as in ``MOVES``. This makes goals happen within a few
dozen steps from levels near a goal, which an untrained network does not.
"""

from __future__ import annotations

import torch

from openended.rl.networks import Policy

MOVES = torch.tensor(
    [[0, 0], [0, -1], [0, 1], [-1, 0], [-1, -1], [-1, 1], [1, 0], [1, -1], [1, 1]], dtype=torch.float32
)


class Chaser(Policy):
    def __init__(self, sharpness: float = 10.0) -> None:
        super().__init__()
        self.sharpness = sharpness
        self.num_actions = 9

    def forward(self, obs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        to_ball = -obs[:, 2:4]
        from_goal = obs[:, 6:8] / (obs[:, 6:8].norm(dim=-1, keepdim=True) + 1e-6)
        behind = to_ball + 0.08 * from_goal  # the spot just behind the ball on the goal's line
        close = behind.norm(dim=-1, keepdim=True) < 0.04
        aim = torch.where(close, -from_goal, behind)
        aim = aim / (aim.norm(dim=-1, keepdim=True) + 1e-6)
        dirs = MOVES / MOVES.norm(dim=-1, keepdim=True).clamp(min=1.0)
        logits = self.sharpness * aim @ dirs.T
        # a goalkeeper (on its own goal line: farther than 2.8 from the goal it attacks) stays put
        keeper = obs[:, 12].abs() > 2.8
        logits[keeper] = self.sharpness * (torch.arange(9) == 0).float()
        return logits, torch.zeros(len(obs))
