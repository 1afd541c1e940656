"""MADRID (Samvelyan et al., AAMAS 2024): quality-diversity search for the start states where a trained
multi-agent team fails, here on VMAS football with CMA-ME from pyribs."""
