"""Rainbow Teaming (Samvelyan et al. 2024): quality-diversity search for adversarial prompts."""
