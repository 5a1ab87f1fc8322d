"""Blueprint "results": the public verify page, "JP Saya" and external training, "Sertifikat
Saya", the satisfaction survey, and the pimpinan's staff dashboard.

One blueprint, one module per area; each module adds its routes to ``bp`` when imported below.
"""

from flask import Blueprint

bp = Blueprint("results", __name__)

# The sections register their routes on ``bp``: imported after it exists.
from lms.results.views import certificates, jp, staff_dashboard, survey, verify  # noqa: E402

__all__ = ["bp", "certificates", "jp", "staff_dashboard", "survey", "verify"]
