import pytest
import torch

from openended.lapo.config import VQConfig
from openended.lapo.vq import EPSILON, VQEMA


def _quantizer(decay: float) -> VQEMA:
    vq = VQEMA(VQConfig(codebooks=1, latents=2, dim=2, codes=2, commitment=0.25, decay=decay))
    vq.codebook.copy_(torch.tensor([[[0.0, 0.0], [1.0, 1.0]]]))
    vq.weight.copy_(vq.codebook)
    vq.count.fill_(1.0)
    return vq


def test_the_codebook_moves_to_the_running_mean_of_its_vectors():
    vq = _quantizer(decay=0.5)
    # two latent actions of two vectors each: three vectors near code 1, one near code 0
    x = torch.tensor([[0.9, 1.2, 0.1, -0.1], [1.1, 0.8, 0.8, 1.0]])
    out = vq(x)
    assert out.indices.tolist() == [[[1, 0]], [[1, 1]]]
    # by hand: counts 0.5·1 + 0.5·(1, 3) = (1, 2), then Laplace-smoothed; sums 0.5·code + 0.5·Σ vectors
    count = torch.tensor([1.0, 2.0])
    count = (count + EPSILON) / (count.sum() + 2 * EPSILON) * count.sum()
    weight = torch.tensor([[0.0, 0.0], [0.5, 0.5]]) + 0.5 * torch.tensor([[0.1, -0.1], [2.8, 3.0]])
    assert torch.allclose(vq.codebook[0], weight / count[:, None], atol=1e-6)
    # the output is the codes chosen before the update
    assert torch.allclose(out.value, torch.tensor([[1.0, 1.0, 0.0, 0.0], [1.0, 1.0, 1.0, 1.0]]))


def test_gradients_pass_straight_through_and_the_commitment_pulls_toward_the_code():
    vq = _quantizer(decay=0.5).eval()
    x = torch.tensor([[0.9, 1.2, 0.1, -0.1]], requires_grad=True)
    out = vq(x)
    g = torch.tensor([[1.0, 2.0, 3.0, 4.0]])
    (out.value * g).sum().backward()
    assert torch.allclose(x.grad, g)  # identity through the quantizer
    x.grad = None
    vq(x).loss.backward()
    codes = torch.tensor([[1.0, 1.0, 0.0, 0.0]])
    # d/dx of 0.25 · mean((x − code)²) over 4 numbers
    assert torch.allclose(x.grad, 0.25 * 2 * (x.detach() - codes) / 4)


def test_evaluation_leaves_the_codebook_alone_and_lookup_inverts_the_choice():
    vq = _quantizer(decay=0.9).eval()
    before = vq.codebook.clone()
    out = vq(torch.randn(5, 4))
    assert torch.equal(vq.codebook, before)
    assert torch.allclose(vq.lookup(out.indices), out.value)


@pytest.mark.parametrize("used", [1, 2])
def test_perplexity_counts_the_codes_in_use(used):
    vq = _quantizer(decay=0.5).eval()
    x = torch.tensor([[0.0, 0.0, 1.0, 1.0]]) if used == 2 else torch.tensor([[1.0, 1.0, 1.0, 1.0]])
    assert vq(x).perplexity.item() == pytest.approx(used, rel=1e-4)
