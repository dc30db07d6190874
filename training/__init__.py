"""Koppel's training rules: the catalogue, per-programme requirements and readiness.

Pure Python: no Flask, no database. The web layer turns its rows into the plain records below,
calls :func:`readiness` and stores or shows the plain results. Matching uses the same function;
no other code re-implements these rules.

Public API::

    CATALOGUE, CatalogueItem, Part, make_catalogue, VOG, ADDITIONAL_CHECK   # catalogue
    ProgrammeRequirements, DEFAULT_REQUIREMENTS,                            # requirements
    requirements_from_dict, requirements_to_dict, RequirementsError, FieldError
    Completion, VogRecord, AdditionalCheck, VolunteerRecords                # input records
    readiness, programme_readiness,                      # readiness
    ProgrammeReadiness, MissingItem, ExpiringItem, ValidItem, NextStep
    due_reminders, SentReminder, DueReminder                                # reminders
    add_months, validate_completion_date, TrainingDateError                 # dates

Expiry: done on ``D`` with validity ``M`` months, an item counts through the day before
``add_months(D, M)`` and no longer on that day (see :mod:`training.readiness`).
"""

from training.catalogue import (
    ADDITIONAL_CHECK,
    CATALOGUE,
    VOG,
    CatalogueItem,
    Part,
    make_catalogue,
)
from training.dates import TrainingDateError, add_months, validate_completion_date
from training.readiness import (
    ExpiringItem,
    MissingItem,
    NextStep,
    ProgrammeReadiness,
    ValidItem,
    programme_readiness,
    readiness,
)
from training.records import AdditionalCheck, Completion, VogRecord, VolunteerRecords
from training.reminders import DueReminder, SentReminder, due_reminders
from training.requirements import (
    DEFAULT_REQUIREMENTS,
    FieldError,
    ProgrammeRequirements,
    RequirementsError,
    requirements_from_dict,
    requirements_to_dict,
)

__all__ = [
    "ADDITIONAL_CHECK",
    "CATALOGUE",
    "DEFAULT_REQUIREMENTS",
    "VOG",
    "AdditionalCheck",
    "CatalogueItem",
    "Completion",
    "DueReminder",
    "ExpiringItem",
    "FieldError",
    "MissingItem",
    "NextStep",
    "Part",
    "ProgrammeReadiness",
    "ProgrammeRequirements",
    "RequirementsError",
    "SentReminder",
    "TrainingDateError",
    "ValidItem",
    "VogRecord",
    "VolunteerRecords",
    "add_months",
    "due_reminders",
    "make_catalogue",
    "programme_readiness",
    "readiness",
    "requirements_from_dict",
    "requirements_to_dict",
    "validate_completion_date",
]
