"""Tender rounds and tenders: who may see what, the forms, the vendor answer
workbook and the opening record. Writes go through
``procurement.services.tenders``, reads through ``procurement.selectors.tenders``."""
