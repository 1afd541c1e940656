"""The two competition tasks as sample lists over runs: which windows exist, where they start, their labels.

**Window rule** (competition, pnpl): a window of ``tmin..tmax`` s has ``int((tmax - tmin) · sfreq)`` samples
(truncation; 0.5 s at 250 Hz = 125) and starts at ``floor(onset · sfreq + tmin · sfreq)``: half-open
``[start, start + n)``. MNE's ``Epochs(tmin, tmax)`` is inclusive of both ends and gives ``n + 1`` samples
(126); braindecode's windows are half-open like ours. The one rounding rule holds in every task (a speech
window's onset is its first label sample), so ``tmin = -0.15`` s at 250 Hz is 38 samples before the onset
everywhere. pnpl computes ``int((onset + tmin) · sfreq)`` in floating point, which lands one sample early
where the product falls just below a whole number; the rule here adds 1e-6 samples before flooring.

**No window without data**: a window whose span is not wholly inside its recording — it would start before
the first sample or end after the last — is dropped, in every task, and counted (``dropped`` on a dataset).
pnpl instead clamps the start at 0 (so that window holds other data than its onset's) and returns a shorter
window at the end; its speech labels may also run past the data (10,376 labels for 10,000 samples), which
here are cut at the last sample.

**Speech labels** (one per sample, 1 = speech), from an events TSV with ``silence`` rows: all speech, except
everything before the first annotated event and every ``silence`` span ``[int(onset·sfreq),
int(onset·sfreq) + int(duration·sfreq))``; the label array ends one sample after the last event's end. A TSV
without ``silence`` rows marks word spans as speech on a silence background. There is no ear-to-cortex delay
in the labels: a model has to learn the lag.

**Speech windows** start at ``0, stride, 2·stride, …`` (stride defaults to the window length) while the
window fits in the label array. pnpl 0.2 iterates ``range(0, len - n, stride)`` and so drops the last window
whenever ``len - n`` is a multiple of the stride; ``enumeration="pnpl-0.2"`` reproduces that. Silence
oversampling (``oversample_silence_jitter = k``) follows the competition's code: on reaching a window with
silence, step back so that the first silent sample is the window's last, then advance by ``k`` samples and
keep the windows that are all silence or 30-50 % speech until a window is all speech again.

**Phoneme samples**: ``phoneme`` rows whose segment is not ``oov_S`` or ``sil`` and whose class (the part
before ``_``) is one of the 39 ``constants.PHONEMES``; label = class id in that fixed alphabetical list
(pnpl ≤ 0.0.9 derived the list from the phonemes present in the loaded runs, so its ids shift when a class is
absent).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from openended.libribrain.constants import PHONEME_TO_ID, SKIPPED_SEGMENTS
from openended.libribrain.layout import Event


def window_length(tmin: float, tmax: float, sfreq: float) -> int:
    if not tmax > tmin:
        raise ValueError(f"tmax ({tmax}) must be greater than tmin ({tmin})")
    return int((tmax - tmin) * sfreq)


EPS = 1e-6  # samples: floating-point error in onset · sfreq must not floor an exact sample to the one before


def window_starts(onsets: np.ndarray | Sequence[float], tmin: float, sfreq: float) -> np.ndarray:
    """First sample of each window, ``floor(onset · sfreq + tmin · sfreq)``; may lie outside the run."""
    onsets = np.asarray(onsets, dtype=np.float64)
    return np.floor(onsets * sfreq + tmin * sfreq + EPS).astype(np.int64)


def window_start(onset: float, tmin: float, sfreq: float) -> int:
    return int(window_starts([onset], tmin, sfreq)[0])


def shifted_starts(label_starts: np.ndarray, tmin: float, sfreq: float) -> np.ndarray:
    """Data starts of windows whose onsets are given in samples (speech): the same rule as
    :func:`window_starts`, without the round trip through seconds."""
    return np.floor(np.asarray(label_starts, np.float64) + tmin * sfreq + EPS).astype(np.int64)


def inside(starts: np.ndarray, n_times: int, n_samples: int | np.ndarray) -> np.ndarray:
    """Mask of the windows ``[start, start + n_times)`` wholly inside ``[0, n_samples)``."""
    return (starts >= 0) & (starts + n_times <= n_samples)


def speech_labels(events: Sequence[Event], sfreq: float) -> np.ndarray | None:
    """Per-sample speech (1) / silence (0) labels of a run, or ``None`` if it has no ``word`` rows."""
    words = [e for e in events if e.kind == "word" and not math.isnan(e.onset)]
    silences = [e for e in events if e.kind == "silence" and not math.isnan(e.onset)]
    if not words:
        return None

    def span(e: Event) -> tuple[int, int]:
        start = int(e.onset * sfreq)
        return start, start + (0 if math.isnan(e.duration) else int(e.duration * sfreq))

    if not silences:
        labels = np.zeros(max(span(e)[1] for e in words) + 1, dtype=np.int8)
        for e in words:
            a, b = span(e)
            labels[a:b] = 1
        return labels
    labels = np.ones(max(span(e)[1] for e in words + silences) + 1, dtype=np.int8)
    labels[: max(min(span(e)[0] for e in words + silences), 0)] = 0
    for e in silences:
        if not math.isnan(e.duration):
            a, b = span(e)
            labels[a:b] = 0
    return labels


def speech_window_starts(
    labels: np.ndarray, window: int, stride: int | None = None, enumeration: str = "competition"
) -> np.ndarray:
    stride = stride or window
    if stride < 1:
        raise ValueError(f"stride must be at least 1 sample, got {stride}")
    if enumeration == "competition":
        end = len(labels) - window + 1
    elif enumeration == "pnpl-0.2":
        end = len(labels) - window
    else:
        raise ValueError(f"enumeration must be 'competition' or 'pnpl-0.2', got {enumeration!r}")
    return np.arange(0, max(end, 0), stride, dtype=np.int64)


def oversampled_window_starts(labels: np.ndarray, window: int, jitter: int) -> np.ndarray:
    """Window starts with silence oversampled (see the module docstring). The competition's code could step
    back before the start of the run when it began in silence; here the step back stops at sample 0."""
    if jitter < 1:
        raise ValueError(f"oversample_silence_jitter must be at least 1 sample, got {jitter}")
    starts: list[int] = []
    i, active, step = 0, False, window
    n = len(labels)
    csum = np.concatenate([[0], np.cumsum(labels, dtype=np.int64)])
    while i < n - window:
        speech = int(csum[i + window] - csum[i])
        if speech < window and not active:
            active = True
            first_zero = int(np.argmax(labels[i : i + window] == 0))
            back = max(0, i - (window - first_zero - 1))
            if back < i:
                i, step = back, jitter
                continue
            step = jitter
        if speech == window and active:
            active, step = False, window
        if not active or speech == 0 or 0.3 < speech / window < 0.5:
            starts.append(i)
        i += step
    return np.asarray(starts, dtype=np.int64)


def phoneme_samples(events: Sequence[Event]) -> tuple[np.ndarray, np.ndarray]:
    """Onsets (s) and class ids of a run's phoneme samples, in file order."""
    onsets, labels = [], []
    for e in events:
        if e.kind != "phoneme" or e.segment in SKIPPED_SEGMENTS or math.isnan(e.onset):
            continue
        label = PHONEME_TO_ID.get(e.segment.split("_")[0])
        if label is not None:
            onsets.append(e.onset)
            labels.append(label)
    return np.asarray(onsets, dtype=np.float64), np.asarray(labels, dtype=np.int64)
