"""Evaluation reports for management: the evaluation workbook (.xlsx), the
evaluation report (PDF) and the award letters (PDF). They all read from
``evaluation.selectors.results.evaluation_results``: never a second calculation."""
