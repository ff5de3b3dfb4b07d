"""Shared document handling: the safety rules every import and export follows
(safety.py), and the writers for .xlsx and PDF built on them."""
