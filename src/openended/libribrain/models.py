"""The baseline models.

- :class:`SpeechReference` — the competition's speech tutorial model: the 23 temporal sensors, Conv1d
  (23→100, k3) "spatial pooling", BatchNorm, dropout, a 2-layer LSTM (100), the last layer's final hidden
  state, dropout, Linear(100→1); one logit for the window's middle sample.
- :class:`PhonemeReference` — the phoneme tutorial model: Conv1d(306→128, k1), ReLU, flatten, Linear → 39.
- :class:`SEANet` — the LibriBrain paper's convolutional stack: Conv(k7) → residual block [ELU, Conv k3,
  ELU, Conv k1] → ELU → Conv(k50, stride 25) → ELU → Conv(k7) → ELU → Conv(128→512, k4) → ReLU → dropout →
  Conv(512→C, k1), averaged over the remaining time steps.
"""

from __future__ import annotations

import torch
from torch import nn

from openended.libribrain.constants import N_CHANNELS, PHONEME_CLASSES, SENSORS_SPEECH_MASK


class SpeechReference(nn.Module):
    def __init__(self, dropout: float = 0.5, hidden: int = 100) -> None:
        super().__init__()
        self.sensors = list(SENSORS_SPEECH_MASK)
        self.conv = nn.Conv1d(len(SENSORS_SPEECH_MASK), hidden, kernel_size=3, padding=1)
        self.norm = nn.BatchNorm1d(hidden)
        self.drop = nn.Dropout(dropout)
        self.lstm = nn.LSTM(hidden, hidden, num_layers=2, batch_first=True)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, 306, T) -> (B,) logits
        h = self.drop(self.norm(self.conv(x[:, self.sensors])))
        _, (hn, _) = self.lstm(h.transpose(1, 2))
        return self.head(self.drop(hn[-1])).squeeze(-1)


class PhonemeReference(nn.Module):
    def __init__(self, n_times: int, classes: int = PHONEME_CLASSES) -> None:
        super().__init__()
        self.conv = nn.Conv1d(N_CHANNELS, 128, kernel_size=1)
        self.head = nn.Linear(128 * n_times, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(torch.relu(self.conv(x)).flatten(1))


class SEANet(nn.Module):
    def __init__(self, out: int, dropout: float = 0.5, width: int = 128) -> None:
        super().__init__()
        self.stem = nn.Conv1d(N_CHANNELS, width, 7, padding=3)
        self.residual = nn.Sequential(
            nn.ELU(), nn.Conv1d(width, width, 3, padding=1), nn.ELU(), nn.Conv1d(width, width, 1)
        )
        self.body = nn.Sequential(
            nn.ELU(),
            nn.Conv1d(width, width, 50, stride=25),
            nn.ELU(),
            nn.Conv1d(width, width, 7, padding=3),
            nn.ELU(),
            nn.Conv1d(width, 512, 4),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Conv1d(512, out, 1),
        )
        self.out = out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.stem(x)
        y = self.body(h + self.residual(h)).mean(dim=-1)
        return y.squeeze(-1) if self.out == 1 else y


def build(
    task: str, model: str, n_times: int, dropout: float = 0.5, classes: int = PHONEME_CLASSES
) -> nn.Module:
    """The model of a task: speech gets one logit; phoneme and word classification ``classes`` (the word
    task's reference model is the phoneme tutorial's, with 50 classes or 2 for keyword detection)."""
    if model == "reference":
        return SpeechReference(dropout) if task == "speech" else PhonemeReference(n_times, classes)
    if model == "seanet":
        if n_times < 50 + 25 * 3:
            raise ValueError(f"seanet needs windows of at least 125 samples, got {n_times}")
        return SEANet(1 if task == "speech" else classes, dropout)
    raise ValueError(f"unknown model {model!r}")
