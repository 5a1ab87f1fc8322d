"""Forms of the results feature (shape only; the rules live in services)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from lms.accounts.models import EmployeeClass
from lms.jp.models import ExternalStatus
from lms.results.models import CertificateStatus, Outcome

OUTCOME_CHOICES = [
    ("", _l("Belum diputuskan")),
    (Outcome.LULUS.value, _l("Lulus")),
    (Outcome.LULUS_PERBAIKAN.value, _l("Lulus dengan perbaikan")),
    (Outcome.DITUNDA.value, _l("Ditunda")),
    (Outcome.TIDAK_LULUS.value, _l("Tidak lulus")),
]
LIKERT_CHOICES = [
    ("1", _l("1 - Sangat tidak setuju")),
    ("2", _l("2 - Tidak setuju")),
    ("3", _l("3 - Ragu-ragu")),
    ("4", _l("4 - Setuju")),
    ("5", _l("5 - Sangat setuju")),
]


class ComponentRow(Form):
    """One component row of a scheme (blank rows are ignored)."""

    key = StringField(_l("Kunci"), validators=[Optional(), Length(max=40)])
    label = StringField(_l("Nama komponen"), validators=[Optional(), Length(max=120)])
    weight = DecimalField(_l("Bobot (%)"), places=2, validators=[Optional(), NumberRange(min=0, max=100)])


class BandRow(Form):
    """One predicate band: a label and the score it must be above (blank for the lowest)."""

    label = StringField(_l("Predikat"), validators=[Optional(), Length(max=60)])
    above = DecimalField(
        _l("Nilai di atas"), places=2, validators=[Optional(), NumberRange(min=0, max=99.99)]
    )


class SchemeForm(FlaskForm):
    """An assessment scheme: name, effective date, components and weights, predicate bands."""

    program_id = SelectField(_l("Program"), coerce=int, validators=[InputRequired()])
    name = StringField(_l("Nama skema"), validators=[DataRequired(), Length(max=200)])
    effective_from = DateField(_l("Berlaku mulai"), validators=[DataRequired()])
    components = FieldList(FormField(ComponentRow), min_entries=6, max_entries=12)
    bands = FieldList(FormField(BandRow), min_entries=6, max_entries=10)
    version = HiddenField()
    submit = SubmitField(_l("Simpan skema"))


class ManualScoresForm(FlaskForm):
    """The CSRF token and submit button of the manual score sheet (inputs are per participant)."""

    submit = SubmitField(_l("Simpan nilai"))


class OutcomeForm(FlaskForm):
    """The admin's decision on one participant."""

    outcome = SelectField(_l("Keputusan"), choices=OUTCOME_CHOICES, validators=[Optional()])
    note = TextAreaField(_l("Catatan (alasan)"), validators=[Optional(), Length(max=2000)])
    version = HiddenField()
    submit = SubmitField(_l("Simpan keputusan"))


class ReasonForm(FlaskForm):
    """Revoke or reissue: the reason is required and logged."""

    reason = TextAreaField(_l("Alasan"), validators=[DataRequired(), Length(min=5, max=2000)])
    version = HiddenField()
    submit = SubmitField(_l("Kirim"))


class CertificateSearchForm(FlaskForm):
    """Search certificates by code, number or name."""

    class Meta:
        csrf = False

    q = StringField(_l("Cari kode, nomor, atau nama"), validators=[Optional(), Length(max=100)])
    status = SelectField(
        _l("Status"),
        choices=[
            ("", _l("Semua")),
            (CertificateStatus.ISSUED.value, _l("Sah")),
            (CertificateStatus.REVOKED.value, _l("Dicabut")),
            (CertificateStatus.REPLACED.value, _l("Diganti")),
        ],
        validators=[Optional()],
    )


class VerifyForm(FlaskForm):
    """The public form where a certificate code is typed."""

    class Meta:
        csrf = False

    kode = StringField(
        _l("Kode verifikasi"),
        validators=[DataRequired(), Length(max=20)],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )
    submit = SubmitField(_l("Periksa"))


class CertificateSettingsForm(FlaskForm):
    """What every new certificate prints besides the participant."""

    institution_name = StringField(
        _l("Nama lembaga penyelenggara"), validators=[DataRequired(), Length(max=200)]
    )
    place = StringField(_l("Tempat penerbitan (kota)"), validators=[Optional(), Length(max=100)])
    signatory_title = StringField(_l("Jabatan penanda tangan"), validators=[Optional(), Length(max=200)])
    signatory_name = StringField(_l("Nama penanda tangan"), validators=[Optional(), Length(max=200)])
    signatory_nip = StringField(_l("NIP penanda tangan"), validators=[Optional(), Length(max=30)])
    sttp_number_format = StringField(_l("Format nomor STTP"), validators=[DataRequired(), Length(max=160)])
    completion_number_format = StringField(
        _l("Format nomor sertifikat penyelesaian"), validators=[DataRequired(), Length(max=160)]
    )
    version = HiddenField()
    submit = SubmitField(_l("Simpan pengaturan"))


class ExternalTrainingForm(FlaskForm):
    """External training recorded by the person, with the certificate file."""

    title = StringField(_l("Nama pelatihan"), validators=[DataRequired(), Length(max=255)])
    organizer = StringField(_l("Penyelenggara"), validators=[DataRequired(), Length(max=200)])
    start_date = DateField(_l("Tanggal mulai"), validators=[DataRequired()])
    end_date = DateField(_l("Tanggal selesai"), validators=[DataRequired()])
    jp = IntegerField(_l("Jumlah JP"), validators=[DataRequired(), NumberRange(min=1, max=2000)])
    certificate = FileField(
        _l("Sertifikat (PDF, JPG, atau PNG, paling besar 10 MB)"), validators=[FileRequired()]
    )
    version = HiddenField()
    submit = SubmitField(_l("Kirim untuk diverifikasi"))


class ExternalEditForm(ExternalTrainingForm):
    """Correcting a record: a new file is optional."""

    certificate = FileField(_l("Ganti sertifikat (opsional; PDF, JPG, atau PNG)"))
    submit = SubmitField(_l("Simpan dan kirim ulang"))


class ExternalReviewForm(FlaskForm):
    """An admin's decision on an external training."""

    decision = RadioField(
        _l("Keputusan"),
        choices=[("verify", _l("Verifikasi: JP dihitung")), ("reject", _l("Tolak: JP tidak dihitung"))],
        validators=[InputRequired()],
    )
    note = TextAreaField(
        _l("Catatan untuk pegawai (wajib bila ditolak)"), validators=[Optional(), Length(max=2000)]
    )
    version = HiddenField()
    submit = SubmitField(_l("Simpan keputusan"))


class ExternalFilterForm(FlaskForm):
    class Meta:
        csrf = False

    status = SelectField(
        _l("Status"),
        choices=[
            (ExternalStatus.PENDING.value, _l("Menunggu verifikasi")),
            (ExternalStatus.VERIFIED.value, _l("Terverifikasi")),
            (ExternalStatus.REJECTED.value, _l("Ditolak")),
            ("", _l("Semua")),
        ],
        validators=[Optional()],
    )


class JpTargetForm(FlaskForm):
    """A yearly JP target for an employee class in an instansi (or the default)."""

    instansi_id = SelectField(_l("Instansi"), coerce=int, validators=[Optional()])
    employee_class = SelectField(
        _l("Jenis pegawai"),
        choices=[(c.value, c.value.replace("_", " ")) for c in EmployeeClass],
        validators=[DataRequired()],
    )
    target_jp = IntegerField(
        _l("Target JP per tahun"), validators=[InputRequired(), NumberRange(min=0, max=2000)]
    )
    submit = SubmitField(_l("Simpan target"))


class PimpinanScopeForm(FlaskForm):
    """Which instansi (and optionally unit) a pimpinan's dashboard covers."""

    user_id = SelectField(_l("Pimpinan"), coerce=int, validators=[InputRequired()])
    instansi_id = SelectField(_l("Instansi"), coerce=int, validators=[InputRequired()])
    unit_id = SelectField(
        _l("Unit kerja (kosongkan untuk seluruh instansi)"), coerce=int, validators=[Optional()]
    )
    submit = SubmitField(_l("Simpan cakupan"))


class SurveyItemForm(FlaskForm):
    """One Likert statement of the satisfaction survey."""

    text = StringField(_l("Pernyataan"), validators=[DataRequired(), Length(min=5, max=300)])
    position = IntegerField(_l("Urutan"), default=0, validators=[Optional(), NumberRange(min=0, max=999)])
    active = BooleanField(_l("Aktif (ditanyakan)"), default=True)
    submit = SubmitField(_l("Simpan pernyataan"))


class SurveyForm(FlaskForm):
    """The CSRF token, comment and button of the survey (the Likert items are built per item)."""

    comment = TextAreaField(
        _l("Saran dan komentar (opsional, tanpa nama)"), validators=[Optional(), Length(max=2000)]
    )
    submit = SubmitField(_l("Kirim evaluasi"))
