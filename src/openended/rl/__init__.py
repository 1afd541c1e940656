"""Torch RL shared by LAPO, the offline-RL generalization benchmark and MADRID: Procgen vector environments
with the protocol's level splits, PPO with the IMPALA-CNN, expert snapshots, Minari datasets and the
evaluation protocol (normalized returns, IQM). See README.md beside this file."""
