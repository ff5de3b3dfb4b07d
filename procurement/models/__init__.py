"""Core domain models, split by topic; import them from here."""

from procurement.models.core import (
    ADMINISTRATORS_GROUP,
    EVENT_ACTIONS,
    PROGRAMME_STAFF_GROUP,
    Announcement,
    County,
    Event,
    KeyDate,
    Membership,
    OptionAgreement,
    Organisation,
    Procurement,
    ProcurementQuerySet,
    Programme,
    validate_org_number,
)
from procurement.models.feedback import PageFeedback
from procurement.models.reports import ReportDownload
from procurement.models.specification import (
    Baseline,
    BaselineRequirement,
    KeySequence,
    Requirement,
    RequirementLink,
    RequirementQuerySet,
    RequirementStakeholder,
    Section,
    Tag,
)
from procurement.models.tenders import PriceLine, Response, Tender, TenderRound

__all__ = [
    "ADMINISTRATORS_GROUP",
    "EVENT_ACTIONS",
    "PROGRAMME_STAFF_GROUP",
    "Announcement",
    "Baseline",
    "BaselineRequirement",
    "County",
    "Event",
    "KeyDate",
    "KeySequence",
    "Membership",
    "OptionAgreement",
    "PageFeedback",
    "PriceLine",
    "ReportDownload",
    "Organisation",
    "Procurement",
    "ProcurementQuerySet",
    "Programme",
    "Requirement",
    "RequirementLink",
    "RequirementQuerySet",
    "RequirementStakeholder",
    "Response",
    "Section",
    "Tag",
    "Tender",
    "TenderRound",
    "validate_org_number",
]
