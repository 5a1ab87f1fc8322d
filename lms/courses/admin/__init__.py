"""Blueprint "courses_admin": authoring for admins (penyelenggara). Programs, courses, modules and
lessons with a Markdown preview that needs no JavaScript, reordering by buttons, attachments,
publishing, package import/export, angkatan and their participants (one by one or by CSV).

Every page answers 404 to anyone who is not an admin. One blueprint; its views live in one module
per concept (``courses``, ``modules``, ``lessons``, ``programs``, ``angkatan``), and the gate and
the helpers they share in ``helpers``.
"""

from flask import Blueprint

bp = Blueprint("courses_admin", __name__, url_prefix="/admin")

# The view modules register their routes on ``bp``, so they are imported once it exists.
from lms.courses.admin import angkatan, courses, lessons, modules, programs  # noqa: E402, F401
