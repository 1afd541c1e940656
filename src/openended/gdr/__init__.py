"""Generative Data Refinement (Jiang et al. 2025): verified LLM rewrites that anonymize or detoxify data."""
