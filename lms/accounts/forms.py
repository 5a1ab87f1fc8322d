"""Forms for login, profile, password and user management (shape only; rules live in services)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    HiddenField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from lms.accounts.models import TIMEZONES, EmployeeClass, Role


class LoginForm(FlaskForm):
    """Login with NIP, username or email."""

    login = StringField(
        _l("NIP, nama pengguna, atau email"),
        validators=[DataRequired()],
        render_kw={"autocomplete": "username", "autocapitalize": "none"},
    )
    password = PasswordField(
        _l("Kata sandi"), validators=[DataRequired()], render_kw={"autocomplete": "current-password"}
    )
    next = HiddenField()
    submit = SubmitField(_l("Masuk"))


class PasswordChangeForm(FlaskForm):
    """Change one's own password."""

    current = PasswordField(
        _l("Kata sandi saat ini"), validators=[DataRequired()], render_kw={"autocomplete": "current-password"}
    )
    new = PasswordField(
        _l("Kata sandi baru"),
        validators=[DataRequired(), Length(min=8)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Ulangi kata sandi baru"),
        validators=[DataRequired(), EqualTo("new", _l("Kata sandi tidak sama."))],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Ganti kata sandi"))


def _tz_choices():
    return [(k, f"{v} ({k})") for k, v in TIMEZONES.items()]


class ProfileForm(FlaskForm):
    """What users change about themselves."""

    email = StringField(
        _l("Email"),
        validators=[Optional(), Length(max=254)],
        render_kw={"autocomplete": "email", "type": "email"},
    )
    timezone = SelectField(_l("Zona waktu"), choices=_tz_choices())
    language = SelectField(_l("Bahasa"), choices=[("id", "Bahasa Indonesia"), ("en", "English")])
    version = HiddenField()
    submit = SubmitField(_l("Simpan"))


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes (usable without JavaScript)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


ROLE_LABELS = {
    Role.ADMIN: _l("Admin penyelenggara"),
    Role.PIMPINAN: _l("Pimpinan"),
    Role.MENTOR: _l("Mentor"),
    Role.COACH: _l("Coach"),
    Role.PENGUJI: _l("Penguji"),
}


class UserForm(FlaskForm):
    """Create or edit a user (admin)."""

    full_name = StringField(_l("Nama lengkap"), validators=[DataRequired(), Length(max=200)])
    employee_class = SelectField(
        _l("Jenis pegawai"), choices=[(c.value, c.value.replace("_", " ")) for c in EmployeeClass]
    )
    nip = StringField(
        _l("NIP / NI PPPK"), validators=[Optional(), Length(max=40)], render_kw={"inputmode": "numeric"}
    )
    username = StringField(
        _l("Nama pengguna (opsional bila ada NIP)"), validators=[Optional(), Length(max=64)]
    )
    email = StringField(_l("Email"), validators=[Optional(), Length(max=254)], render_kw={"type": "email"})
    instansi = StringField(_l("Instansi"), validators=[Optional(), Length(max=200)])
    unit = StringField(_l("Unit kerja"), validators=[Optional(), Length(max=200)])
    jabatan = StringField(_l("Jabatan"), validators=[Optional(), Length(max=200)])
    pangkat_golongan = StringField(_l("Pangkat/golongan"), validators=[Optional(), Length(max=100)])
    birth_place = StringField(_l("Tempat lahir"), validators=[Optional(), Length(max=100)])
    roles = MultiCheckboxField(_l("Peran"), choices=[(r.value, ROLE_LABELS[r]) for r in Role])
    version = HiddenField()
    submit = SubmitField(_l("Simpan"))


class ImportUsersForm(FlaskForm):
    """Upload a CSV of users."""

    file = FileField(_l("Berkas CSV"), validators=[FileRequired()])
    submit = SubmitField(_l("Periksa dan impor"))


class SearchForm(FlaskForm):
    """GET search box (no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    q = StringField(_l("Cari nama, NIP, email"))
    role = SelectField(
        _l("Peran"),
        choices=[("", _l("Semua peran"))] + [(r.value, ROLE_LABELS[r]) for r in Role],
        validators=[Optional()],
    )
    active_only = BooleanField(_l("Hanya yang aktif"))
