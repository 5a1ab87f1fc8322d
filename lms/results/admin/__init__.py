"""Blueprint "results_admin": what the penyelenggara does with results: assessment schemes,
per-angkatan results and outcomes, manual scores, certificates, external JP verification, JP
targets, pimpinan scopes, survey items and reports, and the angkatan dashboard.

One blueprint, one module per area; each module adds its routes to ``bp`` when imported below.
"""

from flask import Blueprint

bp = Blueprint("results_admin", __name__, url_prefix="/admin/hasil")

# The sections register their routes on ``bp``: imported after it exists.
from lms.results.admin import (  # noqa: E402
    angkatan_dashboard,
    angkatan_results,
    certificates,
    external_jp,
    issuing,
    jp_targets,
    overview,
    pimpinan_scopes,
    schemes,
    survey,
)

__all__ = [
    "angkatan_dashboard",
    "angkatan_results",
    "bp",
    "certificates",
    "external_jp",
    "issuing",
    "jp_targets",
    "overview",
    "pimpinan_scopes",
    "schemes",
    "survey",
]
