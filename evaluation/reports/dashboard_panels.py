"""Contributions to the procurement pages (see procurement.contributions)."""
