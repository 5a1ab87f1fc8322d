"""Forms of the notifications feature (CSRF-protected buttons)."""

from __future__ import annotations

from flask_wtf import FlaskForm


class ButtonForm(FlaskForm):
    """A POST button with nothing but the CSRF token."""
