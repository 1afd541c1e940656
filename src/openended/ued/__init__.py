"""Unsupervised environment design in JAX: the maze UPOMDP, level generators, level sampler, PPO agent and
the DR / PLR / PLR⊥ / ACCEL / PAIRED family as switches of one train step."""
