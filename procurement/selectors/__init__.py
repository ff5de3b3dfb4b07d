"""Reads, each scoped to the user before anything else."""

from procurement.selectors.core import (
    Figure,
    latest_announcements,
    memberships_of,
    option_agreements_by_status,
    organisation_list,
    organisations_by_level,
    procurement_list,
)

__all__ = [
    "Figure",
    "latest_announcements",
    "memberships_of",
    "option_agreements_by_status",
    "organisation_list",
    "organisations_by_level",
    "procurement_list",
]
