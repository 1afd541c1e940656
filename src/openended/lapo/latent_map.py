"""A 2-D map of the latent actions coloured by the true action taken (LAPO §4.3 draws it with UMAP): t-SNE
(scikit-learn) of the IDM's continuous latents of held-out transitions. Clusters that line up with the
colours mean the latent space recovered the action space's structure without ever seeing an action."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from openended.lapo.data import Triplets
from openended.lapo.idm import IDM
from openended.lapo.probe import latents

# Procgen's 15 discrete actions in its order (procgen/env.py, get_combos: the keys each action presses)
ACTION_NAMES = (
    "down-left", "left", "up-left", "down", "none", "up", "down-right", "right", "up-right",
    "D", "A", "W", "S", "Q", "E",
)  # fmt: skip


def latent_map(idm: IDM, data: Triplets, path: Path, points: int = 2000, seed: int = 0) -> Path | None:
    """Draw the map (``None`` when the dataset has no actions or too few transitions for t-SNE)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from sklearn.manifold import TSNE

    if data.actions is None:
        return None
    pool = data.test_index if len(data.test_index) >= 50 else data.train_index
    index = np.random.default_rng(seed).permutation(pool)[:points]
    if len(index) < 10:
        return None
    z = latents(idm, data, index).float().cpu().numpy()
    actions = data.actions_at(index).cpu().numpy()
    xy = TSNE(2, perplexity=min(30.0, (len(z) - 1) / 3), init="pca", random_state=seed).fit_transform(z)
    fig = Figure(figsize=(6.4, 5.2), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    for a in np.unique(actions):
        m = actions == a
        name = ACTION_NAMES[a] if a < len(ACTION_NAMES) else str(a)
        ax.scatter(xy[m, 0], xy[m, 1], s=4, color=_colour(int(a)), label=f"{a}: {name}")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(f"t-SNE of {len(z)} held-out latent actions, coloured by the true action")
    ax.legend(fontsize=6, markerscale=3, frameon=False, loc="center left", bbox_to_anchor=(1, 0.5))
    fig.savefig(path, dpi=110)
    return path


def _colour(i: int) -> tuple[float, float, float, float]:
    from matplotlib import colormaps

    return colormaps["tab20"](i % 20)  # type: ignore[no-any-return]
