"""The results engine's modules; import from `evaluation.results` instead."""
