"""Evaluation model, panels, scores and the results engine (built in a later issue)."""
