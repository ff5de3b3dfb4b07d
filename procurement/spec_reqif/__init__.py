"""The requirement specification as ReqIF, out and back in.

ReqIF is how requirements tools (DOORS, Polarion, ReqIF Studio, Enterprise
Architect …) exchange specifications. Import runs in three steps, like the
Excel round trip:

- ``parse_reqif`` (reading.py, then mapping.py): open the upload safely (a
  ``.reqifz`` after the zip check) and map it to plain data: headings become
  numbered sections, other spec objects requirements, SPEC-RELATIONs typed
  links. A file that cannot be used at all raises ``UploadProblem`` naming
  what is missing; parts that can be done without (a relation to an object
  that is not in the file) become warnings that the preview shows.
- ``plan_import`` (planning.py): compare with the stored specification:
  sections and requirements to create, requirements to change (field by
  field), links to add; nothing is written.
- ``apply_plan`` (planning.py): carry out an error-free plan in one
  transaction through the specification services.

``write_reqif`` (writing.py) exports today's specification or a baseline as
ReqIF 1.2 that imports back to the same content.
"""

from procurement.spec_reqif.mapping import ParsedReqIF, Problem
from procurement.spec_reqif.planning import (
    ImportPlan,
    ImportResult,
    PlanOutdated,
    apply_plan,
    field_label,
    plan_import,
)
from procurement.spec_reqif.reading import REQIF_NS, XHTML_NS, parse_reqif
from procurement.spec_reqif.text import xhtml_to_text
from procurement.spec_reqif.writing import export_filename, reqif_bytes, write_reqif

__all__ = [
    "REQIF_NS",
    "XHTML_NS",
    "ImportPlan",
    "ImportResult",
    "ParsedReqIF",
    "PlanOutdated",
    "Problem",
    "apply_plan",
    "export_filename",
    "field_label",
    "parse_reqif",
    "plan_import",
    "reqif_bytes",
    "write_reqif",
    "xhtml_to_text",
]
