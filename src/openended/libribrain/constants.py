"""Constants of the 2025 PNPL competition (LibriBrain), pinned here rather than fetched at run time.

Values are those of the competition era (pnpl 0.0.5-0.0.9 defaults, identical to the competition website's
constants file); pnpl 0.1+ ships different defaults (86 run keys, other holdout sizes), so a loader that
reads pnpl's constants gives different splits depending on the installed version.
"""

from __future__ import annotations

RunKey = tuple[str, str, str, str]  # (subject, session, task, run), as strings, as in pnpl


def _book(task: str, sessions: list[int], run: str = "1") -> list[RunKey]:
    return [("0", str(s), task, run) for s in sessions]


#: The 90 released runs of subject 0: seven Sherlock Holmes books. Sherlock1 sessions 11 and 12 are run 2;
#: Sherlock4 session 8 is not part of the 2025 release (its labels were broken).
RUN_KEYS: tuple[RunKey, ...] = tuple(
    _book("Sherlock1", list(range(1, 11)))
    + _book("Sherlock1", [11, 12], run="2")
    + _book("Sherlock2", list(range(1, 13)))
    + _book("Sherlock3", list(range(1, 13)))
    + _book("Sherlock4", [1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12])
    + _book("Sherlock5", list(range(1, 16)))
    + _book("Sherlock6", list(range(1, 15)))
    + _book("Sherlock7", list(range(1, 15)))
)
VALIDATION_RUN_KEYS: tuple[RunKey, ...] = (("0", "11", "Sherlock1", "2"),)
TEST_RUN_KEYS: tuple[RunKey, ...] = (("0", "12", "Sherlock1", "2"),)
PARTITIONS = ("train", "validation", "test")

#: The competition holdout recordings (unlabelled; labels were kept by the organisers).
SPEECH_HOLDOUT_KEY: RunKey = ("0", "2025", "COMPETITION_HOLDOUT", "1")
PHONEME_HOLDOUT_KEY: RunKey = ("0", "2025", "COMPETITION_HOLDOUT", "2")
SPEECH_HOLDOUT_PREDICTIONS = 560_638  # one probability per holdout time point
PHONEME_HOLDOUT_PREDICTIONS = 2_382  # one 39-way distribution per averaged holdout segment
PHONEME_HOLDOUT_GROUP = 100  # holdout phoneme windows are averages of 100 same-phoneme trials

#: The 39 phoneme classes (ARPAbet without stress), alphabetical; class id = position. Event segments carry a
#: position suffix (``ah_B``, ``ay_I``, ``l_E``, ``s_S``): the class is the part before ``_``.
PHONEMES: tuple[str, ...] = (
    "aa", "ae", "ah", "ao", "aw", "ay", "b", "ch", "d", "dh", "eh", "er", "ey", "f", "g", "hh", "ih", "iy",
    "jh", "k", "l", "m", "n", "ng", "ow", "oy", "p", "r", "s", "sh", "t", "th", "uh", "uw", "v", "w", "y",
    "z", "zh",
)  # fmt: skip
PHONEME_CLASSES = len(PHONEMES)
PHONEME_TO_ID = {p: i for i, p in enumerate(PHONEMES)}
#: Phoneme segments that are never samples: out-of-vocabulary words and silence.
SKIPPED_SEGMENTS = ("oov_S", "sil")

#: The MEGIN/Elekta system: 102 magnetometers + 204 planar gradiometers.
N_CHANNELS = 306
SFREQ = 250.0
PREPROCESSING = (
    "bads+headpos+sss+notch+bp+ds"  # bad channels, head position, SSS, notch, band-pass, down-sample
)
CLIP = 10.0  # standardized values are clipped to ±10

#: The 23 temporal-lobe sensors of the speech reference model (competition speech tutorial).
SENSORS_SPEECH_MASK: tuple[int, ...] = (
    18, 20, 22, 23, 45, 120, 138, 140, 142, 143, 145, 146, 147, 149,
    175, 176, 177, 179, 180, 198, 271, 272, 275,
)  # fmt: skip

#: Published holdout F1-macro (competition leaderboard and tutorials); references only, never our results.
PUBLISHED = {
    "speech": {"tutorial baseline": 0.6804, "naive": 0.4530, "leaderboard top (standard)": 0.9166},
    "phoneme": {"tutorial baseline": 0.6039, "naive": 0.0047, "leaderboard top (standard)": 0.7382},
}
