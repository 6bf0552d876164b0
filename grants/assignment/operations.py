"""Reviewer assignment, the stage's use cases in one place (grants.rules.assignment is the solver).

The operations live in cohesive modules; this module names them all so callers (views, CLI,
benchmarks) need one import:

* :mod:`grants.assignment.common`: the stage, conflicts loaded in bulk, the round lock;
* :mod:`grants.assignment.manual`: one reviewer on one proposal, removing one, a whole category;
* :mod:`grants.assignment.auto`: the automatic plan, its preview and its application;
* :mod:`grants.assignment.csv_import`: assignments from a spreadsheet;
* :mod:`grants.assignment.listing`: the proposal × reviewers table and one proposal's page;
* :mod:`grants.assignment.exports`: the assignments as a CSV (through grants.platform.exports).

Every operation changes models, writes the audit log and flushes; none commits (the caller
commits once). A refused change raises :class:`grants.rules.refusal.Refusal` (a code and plain
params; grants.platform.refusals makes the sentence). All reads are bulk: building the problem
for 5,000 proposals × 300 reviewers costs a fixed handful of queries.
"""

from __future__ import annotations

from grants.assignment.auto import (
    DEFAULT_SLACK,
    EXPERTISE_WEIGHT,
    Built,
    Plan,
    apply,
    build_problem,
    default_max_load,
    fingerprint,
    notify_reviewers,
    plan,
    preview,
    shorten,
    summary,
    write,
)
from grants.assignment.common import (
    SOURCES,
    STAGE,
    ConflictIndex,
    conflict_problem,
    load_conflicts,
    proposal_label,
    review_status_map,
)
from grants.assignment.csv_import import ImportResult, decode_csv, import_csv
from grants.assignment.listing import proposal_detail, table
from grants.assignment.manual import BulkResult, assign, assign_category, unassign

__all__ = [
    "DEFAULT_SLACK", "EXPERTISE_WEIGHT", "SOURCES", "STAGE", "BulkResult", "Built", "ConflictIndex",
    "ImportResult", "Plan", "apply", "assign", "assign_category", "build_problem", "conflict_problem",
    "decode_csv", "default_max_load", "fingerprint", "import_csv", "load_conflicts",
    "notify_reviewers", "plan", "preview", "proposal_detail", "proposal_label", "review_status_map", "shorten",
    "summary", "table", "unassign", "write",
]
