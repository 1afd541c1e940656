"""AIRA: AI research agents as search policies over code (Toledo et al. 2025)."""
