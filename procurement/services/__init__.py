"""All writes. Views, commands, imports and the demo loader call these.

Each service validates with ``full_clean()`` before saving and writes its
history or event rows in the same transaction, so a failure leaves nothing
half-saved."""

from procurement.services.core import (
    announcement_save,
    event_record,
    membership_grant,
    option_agreement_save,
    organisation_create,
    organisation_update,
    procurement_save,
    programme_create,
    programme_update,
)

__all__ = [
    "announcement_save",
    "event_record",
    "membership_grant",
    "option_agreement_save",
    "organisation_create",
    "organisation_update",
    "procurement_save",
    "programme_create",
    "programme_update",
]
