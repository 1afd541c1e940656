"""A synthetic LibriBrain dataset in the released on-disk format, with a documented planted signal.

The real data cannot be downloaded here, so tests, the tour and benchmarks use this. Everything about it is
self-generated; nothing is a recording. The **planted signal** (all parameters in :class:`SyntheticSpec`):

- *Background*: per channel, AR(1) noise (coefficient ``ar``) with a log-normal scale (median
  ``noise_scale`` fT-like units) and a constant offset, so standardization matters.
- *Speech*: runs alternate sentences (``sentence_s``) and pauses (``pause_s``), after a silent lead-in.
  On the 23 temporal sensors of the reference speech model, speech adds a 4-8 Hz band-limited oscillation
  whose amplitude (``speech_gain`` × the channel's noise scale) follows the speech labels *delayed* by
  ``speech_delay_s`` (the ear-to-cortex lag the labels do not contain) with 40 ms ramps. A window's
  speech evidence is the band power on those sensors.
- *Phonemes*: words tile sentences and phonemes tile words (``phoneme_s`` each), classes drawn with a
  Zipf-like skew ``phoneme_skew`` over the 39 classes. Each class has a fixed evoked response — a spatial
  pattern mixed from ``sources`` random source topographies times a Gabor wavelet (latency 80-300 ms,
  3-10 Hz) — added at its onset with amplitude ``phoneme_gain`` × the channel's noise scale. Responses of
  neighbouring phonemes overlap. With the defaults a matched filter that knows the templates classifies
  single trials at ≈ 0.38 F1-macro and averages of 10 at ≈ 0.93 (``tests/libribrain``): single trials are
  hard and averages separable, since
  averaging ``N`` trials raises the template-to-noise ratio by about ``√N``.
- *Sensors*: gains and offsets are drawn once per dataset seed (one subject, one scanner), not per run.
- *Label edge cases*: ``sil`` and ``oov_S`` phoneme rows (never samples), a few phonemes of a symbol outside
  the 39 (``h#``), a one-phoneme word at 50 ms followed by silence (its window would start before the run
  when ``tmin < 0``: dropped), and the recording ends ``tail_s`` after the last event, so late windows run
  past the end (dropped).
- *Words* (the 2026 task): a fraction ``vocabulary_rate`` of words are drawn from the 50-word primary
  vocabulary with a Zipf-like skew ``word_skew`` (sometimes capitalised or followed by a comma, as in a
  transcript); each vocabulary word has a fixed evoked response over 1 s (latency 150-500 ms, 2-8 Hz) of
  amplitude ``word_gain`` × the noise scale. Word identities come from their own random stream, so the rest
  of a run does not depend on them.
- *Subjects* (``broad_subjects``): subjects 1…n get two Sherlock1 sessions (11, 12; run 1) as in
  LibriBrain100, their own sensor gains and offsets, and source topographies perturbed by ``subject_shift``
  (head shape and position): the same words evoke the same source activity, seen through other sensors.

:func:`templates` returns the true class responses so that tests can compute what an oracle with the planted
signal achieves (:func:`oracle_phoneme_predictions`).
"""

from __future__ import annotations

import os
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from openended.libribrain.constants import (
    N_CHANNELS,
    PARTITIONS,
    PHONEMES,
    SENSORS_SPEECH_MASK,
    SFREQ,
    TEST_RUN_KEYS,
    VALIDATION_RUN_KEYS,
    RunKey,
)
from openended.libribrain.layout import partition_of, write_partitions, write_run
from openended.libribrain.words import PRIMARY_VOCABULARY


@dataclass(frozen=True)
class SyntheticSpec:
    """Parameters of the planted signal (module docstring)."""

    train_runs: int = 4
    run_s: float = 60.0
    sfreq: float = SFREQ
    seed: int = 0
    ar: float = 0.9
    noise_scale: float = 1.0
    sentence_s: tuple[float, float] = (1.5, 5.0)
    pause_s: tuple[float, float] = (0.3, 1.5)
    lead_in_s: tuple[float, float] = (1.0, 2.0)
    phoneme_s: tuple[float, float] = (0.06, 0.12)
    phonemes_per_word: tuple[int, int] = (2, 6)
    speech_gain: float = 0.8
    speech_delay_s: float = 0.1
    phoneme_gain: float = 0.1
    sources: int = 8
    phoneme_skew: float = 0.5
    tail_s: float = 0.2
    word_gain: float = 0.5
    vocabulary_rate: float = 0.5
    word_skew: float = 1.0
    broad_subjects: int = 0
    subject_shift: float = 0.5
    keys: tuple[RunKey, ...] = field(default_factory=tuple)

    def run_keys(self) -> list[RunKey]:
        """Training runs ``Sherlock1`` sessions 1..n, then the competition's validation and test runs."""
        if self.keys:
            return list(self.keys)
        broad = [
            (str(b), str(ses), "Sherlock1", "1")
            for b in range(1, self.broad_subjects + 1)
            for ses in (11, 12)
        ]
        return [("0", str(s), "Sherlock1", "1") for s in range(1, self.train_runs + 1)] + [
            *VALIDATION_RUN_KEYS,
            *TEST_RUN_KEYS,
            *broad,
        ]


def templates(spec: SyntheticSpec, window_s: float = 0.5) -> np.ndarray:
    """The 39 planted phoneme responses, ``(39, channels, samples)`` in noise-scale units (before gains)."""
    rng = np.random.default_rng([spec.seed, 39])
    n = int(window_s * spec.sfreq)
    t = np.arange(n) / spec.sfreq
    out = np.empty((len(PHONEMES), N_CHANNELS, n))
    sources = rng.normal(size=(N_CHANNELS, spec.sources))  # few cortical sources, as in real MEG
    for k in range(len(PHONEMES)):
        spatial = sources @ rng.normal(size=spec.sources)
        spatial /= np.sqrt(np.mean(spatial**2))
        latency, freq, phase = rng.uniform(0.08, 0.3), rng.uniform(3, 10), rng.uniform(0, 2 * np.pi)
        wave = np.sin(2 * np.pi * freq * (t - latency) + phase) * np.exp(
            -((t - latency) ** 2) / (2 * 0.06**2)
        )
        out[k] = spatial[:, None] * wave[None, :]
    return out


def subject_topographies(spec: SyntheticSpec, subject: str) -> np.ndarray:
    """``(channels, sources)``: the cortical sources' field patterns at one subject's sensors — shared
    across subjects up to a perturbation of relative size ``subject_shift`` (head shape and position)."""
    base = np.random.default_rng([spec.seed, 50]).normal(size=(N_CHANNELS, spec.sources))
    if subject == "0" or spec.subject_shift == 0:
        return base
    own = np.random.default_rng([spec.seed, 50, int(subject)]).normal(size=base.shape)
    return (base + spec.subject_shift * own) / np.sqrt(1 + spec.subject_shift**2)


def word_templates(spec: SyntheticSpec, subject: str = "0", window_s: float = 1.0) -> np.ndarray:
    """The 50 planted word responses of a subject, ``(50, channels, samples)`` in noise-scale units: each
    word has one source activation and time course (latency 150-500 ms, 2-8 Hz) for every subject; only the
    sensor topographies differ between subjects."""
    rng = np.random.default_rng([spec.seed, 51])
    n = int(window_s * spec.sfreq)
    t = np.arange(n) / spec.sfreq
    topo = subject_topographies(spec, subject)
    out = np.empty((len(PRIMARY_VOCABULARY), N_CHANNELS, n))
    for k in range(len(PRIMARY_VOCABULARY)):
        spatial = topo @ rng.normal(size=spec.sources)
        spatial /= np.sqrt(np.mean(spatial**2))
        latency, freq, phase = rng.uniform(0.15, 0.5), rng.uniform(2, 8), rng.uniform(0, 2 * np.pi)
        wave = np.sin(2 * np.pi * freq * (t - latency) + phase) * np.exp(-((t - latency) ** 2) / (2 * 0.1**2))
        out[k] = spatial[:, None] * wave[None, :]
    return out


def _word_probs(skew: float) -> np.ndarray:
    p = 1.0 / np.arange(1, len(PRIMARY_VOCABULARY) + 1) ** skew
    return p / p.sum()


def _phoneme_probs(skew: float) -> np.ndarray:
    p = 1.0 / np.arange(1, len(PHONEMES) + 1) ** skew
    return p / p.sum()


def _events(
    spec: SyntheticSpec, rng: np.random.Generator, words_rng: np.random.Generator
) -> tuple[list[dict[str, object]], float]:
    """Events of one run, and the time its last event ends. Word identities come from their own stream
    (``words_rng``), so the timing and phonemes of a run do not depend on the word settings."""
    events: list[dict[str, object]] = []
    probs = _phoneme_probs(spec.phoneme_skew)
    word_probs = _word_probs(spec.word_skew)

    def word_text(fallback: str) -> str:
        if words_rng.uniform() >= spec.vocabulary_rate:
            return fallback
        text = PRIMARY_VOCABULARY[int(words_rng.choice(len(word_probs), p=word_probs))].replace("\u2019", "'")
        u = words_rng.uniform()  # spellings a transcript has: capitalised, with punctuation
        return text.capitalize() if u < 0.1 else text + "," if u < 0.15 else text

    t = rng.uniform(*spec.lead_in_s)
    end_of_speech = spec.run_s - spec.tail_s - spec.pause_s[1]
    # an early one-phoneme word, then silence until the lead-in ends: its window start clamps at 0 if tmin < 0
    events.append(
        {"kind": "word", "segment": "a", "timemeg": 0.05, "duration": 0.08, "sentenceidx": -1, "wordidx": 0}
    )
    events.append(
        {
            "kind": "phoneme",
            "segment": "ah_S",
            "timemeg": 0.05,
            "duration": 0.08,
            "sentenceidx": -1,
            "wordidx": 0,
        }
    )
    events.append(
        {
            "kind": "silence",
            "segment": "",
            "timemeg": 0.13,
            "duration": round(t - 0.13, 4),
            "sentenceidx": -1,
            "wordidx": -1,
        }
    )
    sentence = 0
    while t < end_of_speech:
        stop = min(t + rng.uniform(*spec.sentence_s), end_of_speech)
        word = 0
        while t < stop:
            n = rng.integers(spec.phonemes_per_word[0], spec.phonemes_per_word[1] + 1)
            durations = rng.uniform(*spec.phoneme_s, size=n)
            events.append(
                {"kind": "word", "segment": word_text(f"w{rng.integers(1000)}"), "timemeg": round(t, 4),
                 "duration": round(float(durations.sum()), 4), "sentenceidx": sentence, "wordidx": word}
            )  # fmt: skip
            for j, d in enumerate(durations):
                symbol = PHONEMES[int(rng.choice(len(PHONEMES), p=probs))]
                u = rng.uniform()
                if u < 0.01:
                    segment = "oov_S"  # out-of-vocabulary word: never a sample
                elif u < 0.02:
                    segment = "h#_S"  # a symbol outside the 39 classes: never a sample
                else:
                    pos = "S" if n == 1 else ("B" if j == 0 else ("E" if j == n - 1 else "I"))
                    segment = f"{symbol}_{pos}"
                events.append(
                    {"kind": "phoneme", "segment": segment, "timemeg": round(t, 4),
                     "duration": round(float(d), 4), "sentenceidx": sentence, "wordidx": word}
                )  # fmt: skip
                t += float(d)
            word += 1
        pause = rng.uniform(*spec.pause_s)
        events.append(
            {"kind": "silence", "segment": "", "timemeg": round(t, 4), "duration": round(pause, 4),
             "sentenceidx": sentence, "wordidx": -1}
        )  # fmt: skip
        events.append(
            {"kind": "phoneme", "segment": "sil", "timemeg": round(t, 4), "duration": round(pause, 4),
             "sentenceidx": sentence, "wordidx": -1}
        )  # fmt: skip
        t += pause
        sentence += 1
    return events, t


def _ar_noise(rng: np.random.Generator, shape: tuple[int, int], ar: float) -> np.ndarray:
    from scipy.signal import lfilter

    white = rng.standard_normal(shape).astype(np.float32)
    return lfilter([np.sqrt(1 - ar**2)], [1, -ar], white, axis=1).astype(np.float32)


def _band(rng: np.random.Generator, n: int, sfreq: float, lo: float, hi: float, rows: int) -> np.ndarray:
    """Unit-variance band-limited noise (FFT mask)."""
    spec = np.fft.rfft(rng.standard_normal((rows, n)), axis=1)
    f = np.fft.rfftfreq(n, 1 / sfreq)
    spec[:, (f < lo) | (f > hi)] = 0
    x = np.fft.irfft(spec, n=n, axis=1)
    return x / (x.std(axis=1, keepdims=True) + 1e-12)


def synthesize_run(spec: SyntheticSpec, key: RunKey) -> tuple[np.ndarray, list[dict[str, object]]]:
    """MEG ``(306, samples)`` and event rows of one synthetic run."""
    from openended.libribrain.layout import Event
    from openended.libribrain.tasks import speech_labels

    run_seed = zlib.crc32("/".join(key).encode())
    rng = np.random.default_rng([spec.seed, run_seed])
    events, last = _events(spec, rng, np.random.default_rng([spec.seed, run_seed, 1]))
    n = round((last + spec.tail_s) * spec.sfreq)
    subject = key[0]
    # sensor gains and offsets: one per subject (subject 0 keeps the stream of the single-subject sets)
    sensors_rng = np.random.default_rng(
        [spec.seed, 306] if subject == "0" else [spec.seed, 306, int(subject)]
    )
    scale = spec.noise_scale * sensors_rng.lognormal(0.0, 0.5, size=N_CHANNELS).astype(np.float32)
    offset = sensors_rng.normal(0.0, 2.0, size=N_CHANNELS).astype(np.float32)
    data = _ar_noise(rng, (N_CHANNELS, n), spec.ar)
    # speech: delayed, ramped envelope times theta-band oscillation on the temporal sensors
    ev = [Event(str(e["kind"]), str(e["segment"]), float(e["timemeg"]), float(e["duration"])) for e in events]  # type: ignore[arg-type]
    labels = speech_labels(ev, spec.sfreq)
    assert labels is not None
    env = np.zeros(n, np.float32)
    env[: min(n, len(labels))] = labels[:n]
    delay = int(spec.speech_delay_s * spec.sfreq)
    env = np.concatenate([np.zeros(delay, np.float32), env[: n - delay]])
    ramp = np.ones(int(0.04 * spec.sfreq)) / int(0.04 * spec.sfreq)
    env = np.convolve(env, ramp, mode="same").astype(np.float32)
    sensors = np.asarray(SENSORS_SPEECH_MASK)
    data[sensors] += spec.speech_gain * env[None, :] * _band(rng, n, spec.sfreq, 4, 8, len(sensors))
    # phonemes: class template at each onset
    tpl = templates(spec)
    width = tpl.shape[2]
    for e in events:
        if e["kind"] != "phoneme":
            continue
        cls = str(e["segment"]).split("_")[0]
        if cls not in PHONEMES:
            continue
        s = int(float(e["timemeg"]) * spec.sfreq)  # type: ignore[arg-type]
        m = min(width, n - s)
        data[:, s : s + m] += spec.phoneme_gain * tpl[PHONEMES.index(cls), :, :m]
    # words of the vocabulary: the word's response (this subject's topography) at its onset
    if spec.word_gain > 0:
        from openended.libribrain.words import normalize_word

        index = {w: i for i, w in enumerate(PRIMARY_VOCABULARY)}
        wtpl = word_templates(spec, subject)
        for e in events:
            k = index.get(normalize_word(str(e["segment"]))) if e["kind"] == "word" else None
            if k is None:
                continue
            s = int(float(e["timemeg"]) * spec.sfreq)  # type: ignore[arg-type]
            m = min(wtpl.shape[2], n - s)
            data[:, s : s + m] += spec.word_gain * wtpl[k, :, :m]
    data = data * scale[:, None] + offset[:, None]
    return data.astype(np.float32), events


def make_synthetic(root: str | os.PathLike, spec: SyntheticSpec | None = None) -> list[RunKey]:
    """Write a synthetic dataset under ``root``; returns its run keys (train runs, validation, test)."""
    spec = spec or SyntheticSpec()
    keys = spec.run_keys()
    for key in keys:
        data, events = synthesize_run(spec, key)
        write_run(root, key, data, spec.sfreq, events)
    write_partitions(root, {p: [k for k in keys if partition_of(k) == p] for p in PARTITIONS})
    Path(root, "SYNTHETIC.md").write_text(
        "# Synthetic LibriBrain-format data\n\nGenerated by `openended.libribrain.synthetic` with\n\n"
        + "\n".join(f"- `{k}`: {v}" for k, v in spec.__dict__.items() if k != "keys")
        + "\n\nNot a recording. See the module docstring for the planted signal.\n"
    )
    return keys
