"""The generalization gap in offline RL (Mediratta, You, Jiang & Raileanu, ICLR 2024; ``gen_dgrl``): BC, BCQ,
CQL, IQL, DT and BCT on Procgen datasets recorded with :mod:`openended.rl`, evaluated on train vs unseen
levels."""
