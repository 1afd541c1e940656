"""LibriBrain MEG (Landau et al. 2025): the released data format, the 2025 competition's speech detection and
phoneme classification tasks, baselines, holdout submissions, and a synthetic dataset in the same format."""
