"""Each algorithm's loss on a tiny fixed batch against values worked out by hand."""

import math

import pytest
import torch

from openended.offline_rl.bc import bc_loss
from openended.offline_rl.bcq import allowed, bcq_loss, bcq_target, filtered_argmax
from openended.offline_rl.cql import cql_loss, double_dqn_target
from openended.offline_rl.iql import expectile_loss, policy_loss, q_loss, value_loss


def test_bc_is_the_negative_log_likelihood_of_the_data():
    logits = torch.tensor([[0.0, 0.0], [math.log(3.0), 0.0]])  # π = (1/2, 1/2), (3/4, 1/4)
    actions = torch.tensor([1, 0])
    assert bc_loss(logits, actions).item() == pytest.approx(-(math.log(0.5) + math.log(0.75)) / 2)


def test_bcq_filters_actions_the_behaviour_policy_does_not_take():
    # π(·|s') = (0.5, 0.3, 0.2): ratios to the max 1, 0.6, 0.4 -> with threshold 0.5 actions 0 and 1 pass
    imitation = torch.log(torch.tensor([[0.5, 0.3, 0.2]]))
    assert allowed(imitation, 0.5).tolist() == [[True, True, False]]
    # Q prefers action 2, which the filter removes; among the allowed ones action 1 is best
    q_online = torch.tensor([[1.0, 2.0, 9.0]])
    assert filtered_argmax(q_online, imitation, 0.5).tolist() == [1]
    q_target = torch.tensor([[10.0, 20.0, 90.0]])
    target = bcq_target(q_online, q_target, imitation, torch.tensor([1.0]), torch.tensor([0.0]), 0.9, 0.5)
    assert target.tolist() == pytest.approx([1.0 + 0.9 * 20.0])  # the target net at the filtered action
    done = bcq_target(q_online, q_target, imitation, torch.tensor([1.0]), torch.tensor([1.0]), 0.9, 0.5)
    assert done.tolist() == [1.0]
    # loss: Huber(Q(s,a)=2 vs 2.5) = 0.5·0.5² = 0.125; CE of action 1 under (0.5, 0.3, 0.2) = −log 0.3
    loss, parts = bcq_loss(q_online, imitation, torch.tensor([1]), torch.tensor([2.5]))
    penalty = 1e-2 * (imitation**2).mean().item()
    assert parts["td"].item() == pytest.approx(0.125)
    assert parts["imitation"].item() == pytest.approx(-math.log(0.3), rel=1e-5)
    assert loss.item() == pytest.approx(0.125 - math.log(0.3) + penalty, rel=1e-5)


def test_cql_adds_logsumexp_minus_the_data_action():
    q = torch.tensor([[1.0, 2.0], [0.0, 0.0]])
    actions = torch.tensor([0, 1])
    target = torch.tensor([1.0, 3.0])  # TD errors 0 and 3 -> Huber 0 and 2.5
    loss, parts = cql_loss(q, actions, target, alpha=4.0)
    conservative = ((math.log(math.e + math.e**2) - 1.0) + (math.log(2.0) - 0.0)) / 2
    assert parts["td"].item() == pytest.approx(1.25)
    assert parts["conservative"].item() == pytest.approx(conservative, rel=1e-6)
    assert loss.item() == pytest.approx(1.25 + 4.0 * conservative, rel=1e-6)
    # double DQN: the online net picks the action, the target net values it
    t = double_dqn_target(torch.tensor([[0.0, 1.0]]), torch.tensor([[5.0, -1.0]]), torch.tensor([0.5]),
                          torch.tensor([0.0]), 0.5)  # fmt: skip
    assert t.tolist() == [0.5 + 0.5 * -1.0]


def test_iql_losses_by_hand():
    # expectile 0.8: a positive residual weighs 0.8, a negative one 0.2
    assert expectile_loss(torch.tensor([2.0, -2.0]), 0.8).item() == pytest.approx((0.8 * 4 + 0.2 * 4) / 2)
    # V = 1 against Q = (3, 0): u = (2, -1) -> (0.8·4 + 0.2·1) / 2
    assert value_loss(torch.tensor([3.0, 0.0]), torch.tensor([1.0, 1.0]), 0.8).item() == pytest.approx(1.7)
    # Q targets r + γ (1 − d) V(s') = 1 + 0.5·2 = 2 and 1; two critics each (Q − target)²
    q = [torch.tensor([2.0, 0.0]), torch.tensor([3.0, 1.0])]
    loss = q_loss(q, torch.tensor([2.0, 2.0]), torch.tensor([1.0, 1.0]), torch.tensor([0.0, 1.0]), 0.5)
    assert loss.item() == pytest.approx((0 + 1) / 2 + (1 + 0) / 2)
    # advantage weights exp(3 · (Q − V)) clipped at 100: exp(0) = 1 and exp(3·2) = 403 -> 100
    logits = torch.log(torch.tensor([[0.5, 0.5], [0.25, 0.75]]))
    pl = policy_loss(
        logits, torch.tensor([0, 1]), torch.tensor([1.0, 3.0]), torch.tensor([1.0, 1.0]), 3.0, 100.0
    )
    assert pl.item() == pytest.approx(-(1.0 * math.log(0.5) + 100.0 * math.log(0.75)) / 2, rel=1e-6)


@pytest.mark.parametrize("returns", [True, False])
def test_decision_transformer_predicts_each_action_from_the_past_only(returns):
    from openended.offline_rl.dt import DecisionTransformer, dt_loss, returns_to_go

    torch.manual_seed(0)
    model = DecisionTransformer(4, context=3, max_timestep=10, returns=returns, embed=16, layers=2, heads=2)
    model.eval()
    frames = torch.randint(0, 256, (1, 3, 64, 64, 3), dtype=torch.uint8)
    actions, rtg, time = torch.tensor([[1, 2, 3]]), torch.tensor([[3.0, 2.0, 1.0]]), torch.arange(3)[None]
    logits = model(frames, actions, rtg, time)
    assert logits.shape == (1, 3, 4)
    # changing step 1's action, or step 2's frame, leaves the predictions of steps 0 and 1 alone: the action
    # of step t is what is predicted there, so it must not be seen (the causal mask and token order)
    other = actions.clone()
    other[0, 1] = 0
    later = frames.clone()
    later[0, 2] = 255 - later[0, 2]
    for f, a in ((frames, other), (later, actions)):
        again = model(f, a, rtg, time)
        assert torch.allclose(again[:, :2], logits[:, :2], atol=1e-5)
        assert not torch.allclose(again[:, 2], logits[:, 2], atol=1e-5)  # ...and does reach step 2
    # DT reads the return to go of the step it predicts; BCT has none to read
    richer = rtg.clone()
    richer[0, 0] = 30.0
    assert torch.allclose(model(frames, actions, richer, time)[:, 0], logits[:, 0]) is (not returns)
    # the loss is the cross-entropy over valid steps only: uniform logits give log 4 whatever is masked
    flat = torch.zeros(1, 3, 4)
    assert dt_loss(flat, actions, torch.tensor([[True, False, True]])).item() == pytest.approx(math.log(4))
    assert returns_to_go(torch.tensor([1.0, 0.0, 2.0])).tolist() == [3.0, 2.0, 2.0]
