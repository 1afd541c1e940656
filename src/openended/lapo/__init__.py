"""LAPO: latent action policies from observation-only video (Schmidt & Jiang, ICLR 2024)."""
