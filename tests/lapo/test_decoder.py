import torch

from openended.lapo.config import DecoderConfig
from openended.lapo.decoder import DecodedPolicy, fit_decoder


def test_the_decoder_recovers_actions_from_latents_that_permute_them():
    # latent = a fixed random embedding of a permuted action, plus noise: the decoder must undo both
    g = torch.Generator().manual_seed(0)
    actions = torch.randint(0, 15, (3000,), generator=g)
    perm = torch.randperm(15, generator=g)
    embed = torch.randn(15, 32, generator=g)
    latents = embed[perm[actions]] + 0.1 * torch.randn(3000, 32, generator=g)
    decoder = fit_decoder(DecoderConfig(epochs=5), latents[:2000], actions[:2000], 15, seed=0)
    with torch.no_grad():
        accuracy = (decoder(latents[2000:]).argmax(-1) == actions[2000:]).float().mean().item()
    assert accuracy > 0.98
    # played through a policy that outputs those latents, the decoded policy takes the true actions
    frames = torch.zeros(5, 8, 8, 3, dtype=torch.uint8)
    wanted = torch.tensor([3, 0, 14, 7, 7])

    class Fixed(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return embed[perm[wanted]]

    played = DecodedPolicy(Fixed(), decoder).play(frames, True, torch.Generator())
    assert torch.equal(played, wanted)
