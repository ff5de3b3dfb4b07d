"""Workshops, participants and stakeholder input (built in a later issue)."""
