"""Forms of the projects feature: shape only (the services check the rules)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from lms.projects.models import ConsultWith, MilestoneStatus, MilestoneTerm, SeminarOutcome, SubmissionState


class MultiCheckboxField(SelectMultipleField):
    """Several checkboxes (rendered by the field macro as a fieldset)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _int_or_none(value):
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


class ProjectForm(FlaskForm):
    """The project's description."""

    title = StringField(_l("Judul proyek"), validators=[DataRequired(), Length(max=300)])
    problem_statement = TextAreaField(_l("Rumusan masalah"), validators=[Length(max=100_000)])
    unit = StringField(_l("Unit tempat perubahan dilakukan"), validators=[Length(max=200)])
    abstract = TextAreaField(_l("Abstrak"), validators=[Length(max=100_000)])
    keywords = StringField(_l("Kata kunci (pisahkan dengan koma)"), validators=[Length(max=300)])
    version = HiddenField(filters=[_int_or_none])
    submit = SubmitField(_l("Simpan"))


class DraftForm(FlaskForm):
    """A stage's draft: Markdown text and files; save or send."""

    body = TextAreaField(_l("Uraian (Markdown)"), validators=[Length(max=100_000)])
    files = MultipleFileField(_l("Lampirkan berkas (PDF, DOCX, PPTX, XLSX, gambar)"))
    version = HiddenField(filters=[_int_or_none])
    save = SubmitField(_l("Simpan draf"))
    send = SubmitField(_l("Kirim untuk ditinjau"))


class MilestoneForm(FlaskForm):
    """A new milestone."""

    term = SelectField(
        _l("Jangka"),
        choices=[
            (MilestoneTerm.SHORT.value, _l("Jangka pendek")),
            (MilestoneTerm.MEDIUM.value, _l("Jangka menengah")),
            (MilestoneTerm.LONG.value, _l("Jangka panjang")),
        ],
    )
    title = StringField(_l("Milestone"), validators=[DataRequired(), Length(max=300)])
    description = TextAreaField(_l("Keterangan"), validators=[Length(max=5000)], render_kw={"rows": 3})
    target_date = DateField(_l("Target tanggal"), validators=[Optional()])
    submit = SubmitField(_l("Tambah milestone"))


class MilestoneUpdateForm(FlaskForm):
    """Status and target date of a milestone."""

    status = SelectField(
        _l("Status"),
        choices=[
            (MilestoneStatus.PLANNED.value, _l("Direncanakan")),
            (MilestoneStatus.IN_PROGRESS.value, _l("Berjalan")),
            (MilestoneStatus.DONE.value, _l("Selesai")),
        ],
    )
    target_date = DateField(_l("Target tanggal"), validators=[Optional()])
    version = HiddenField(filters=[_int_or_none])
    submit = SubmitField(_l("Simpan status"))


class EvidenceForm(FlaskForm):
    """Evidence for a milestone: a file or a link."""

    note = StringField(_l("Keterangan bukti"), validators=[Length(max=300)])
    file = FileField(_l("Berkas bukti"))
    url = StringField(_l("atau tautan bukti (https://...)"), validators=[Length(max=500)])
    submit = SubmitField(_l("Tambah bukti"))


class ConsultationForm(FlaskForm):
    """A line of the lembar konsultasi."""

    met_on = DateField(_l("Tanggal"), validators=[InputRequired()])
    with_role = SelectField(
        _l("Dengan"),
        choices=[(ConsultWith.MENTOR.value, _l("Mentor")), (ConsultWith.COACH.value, _l("Coach"))],
    )
    topic = StringField(_l("Topik"), validators=[DataRequired(), Length(max=300)])
    result = TextAreaField(_l("Hasil konsultasi"), validators=[Length(max=5000)], render_kw={"rows": 4})
    submit = SubmitField(_l("Catat konsultasi"))


def _score_field(criterion):
    return IntegerField(
        f"{criterion.name} ({criterion.min_score}–{criterion.max_score})",
        validators=[Optional(), NumberRange(criterion.min_score, criterion.max_score)],
        render_kw={"inputmode": "numeric", "min": criterion.min_score, "max": criterion.max_score},
    )


def with_scores(form_cls, criteria):
    """A subclass of ``form_cls`` with one score field ``score_<id>`` per criterion."""
    attrs = {f"score_{c.id}": _score_field(c) for c in criteria}
    return type(form_cls.__name__, (form_cls,), attrs)


def scores_from(form, criteria) -> dict[int, int | None]:
    """The scores typed in a form built by :func:`with_scores`."""
    return {c.id: getattr(form, f"score_{c.id}").data for c in criteria}


class DecisionForm(FlaskForm):
    """A reviewer's decision on a submission (rubric score fields are added per stage)."""

    decision = RadioField(
        _l("Keputusan"),
        choices=[("approve", _l("Setujui")), ("revise", _l("Minta revisi"))],
        validators=[InputRequired(_l("Pilih keputusan."))],
    )
    comment = TextAreaField(
        _l("Komentar untuk peserta"), validators=[Length(max=20_000)], render_kw={"rows": 4}
    )
    version = HiddenField(filters=[_int_or_none])
    submit = SubmitField(_l("Simpan keputusan"))


class SeminarScoreForm(FlaskForm):
    """Seminar scores (fields added per rubric criterion)."""

    submit = SubmitField(_l("Simpan nilai"))


class OutcomeForm(FlaskForm):
    """The seminar outcome of a participant."""

    outcome = SelectField(
        _l("Hasil seminar"),
        choices=[
            (SeminarOutcome.LULUS.value, _l("Lulus")),
            (SeminarOutcome.LULUS_PERBAIKAN.value, _l("Lulus dengan perbaikan")),
            (SeminarOutcome.DITUNDA.value, _l("Ditunda")),
            (SeminarOutcome.TIDAK_LULUS.value, _l("Tidak lulus")),
        ],
    )
    note = TextAreaField(_l("Catatan"), validators=[Length(max=5000)], render_kw={"rows": 3})
    version = HiddenField(filters=[_int_or_none])
    submit = SubmitField(_l("Tetapkan hasil"))


class AttitudeForm(FlaskForm):
    """An attitude observation form (score fields added per program criterion)."""

    observed_on = DateField(_l("Tanggal pengamatan"), validators=[InputRequired()])
    note = TextAreaField(_l("Catatan pengamatan"), validators=[Length(max=5000)], render_kw={"rows": 3})
    submit = SubmitField(_l("Simpan observasi"))


STATE_CHOICES = [
    ("", _l("Semua status")),
    (SubmissionState.SUBMITTED.value, _l("diajukan")),
    (SubmissionState.RESUBMITTED.value, _l("diajukan ulang")),
    (SubmissionState.IN_REVIEW.value, _l("sedang ditinjau")),
]


class QueueFilterForm(FlaskForm):
    """Filters of the review queue (GET, no CSRF)."""

    class Meta:
        csrf = False

    angkatan = SelectField(_l("Angkatan"), choices=[], validators=[Optional()])
    stage = SelectField(_l("Tahap"), choices=[], validators=[Optional()])
    state = SelectField(_l("Status"), choices=STATE_CHOICES, validators=[Optional()])


class CatalogueForm(FlaskForm):
    """Search of the catalogue of past projects (GET, no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(_l("Cari judul, unit, abstrak, atau kata kunci"), validators=[Length(max=200)])
    program = SelectField(_l("Program"), choices=[], validators=[Optional()])
    year = IntegerField(_l("Tahun"), validators=[Optional(), NumberRange(1990, 2100)])


# --- admin ---------------------------------------------------------------------------------------


class StageForm(FlaskForm):
    """A stage of a program's template."""

    code = StringField(_l("Kode"), validators=[DataRequired(), Length(max=40)])
    name = StringField(_l("Nama tahap"), validators=[DataRequired(), Length(max=120)])
    position = IntegerField(_l("Urutan"), validators=[InputRequired(), NumberRange(0, 100)])
    description = TextAreaField(_l("Keterangan"), validators=[Length(max=5000)], render_kw={"rows": 3})
    required_documents = TextAreaField(
        _l("Dokumen yang diperlukan (satu per baris)"), validators=[Length(max=5000)], render_kw={"rows": 3}
    )
    approvers = MultiCheckboxField(
        _l("Yang menyetujui"),
        choices=[("coach", _l("Coach")), ("mentor", _l("Mentor")), ("penguji", _l("Penguji"))],
    )
    scored = BooleanField(_l("Dinilai dengan rubrik"))
    is_seminar = BooleanField(_l("Tahap seminar"))
    version = HiddenField(filters=[_int_or_none])
    submit = SubmitField(_l("Simpan tahap"))


class CriteriaForm(FlaskForm):
    """Rubric or attitude criteria, one per line: name | weight | min | max."""

    text = TextAreaField(_l("Kriteria (satu per baris: nama | bobot | nilai minimum | nilai maksimum)"))
    submit = SubmitField(_l("Simpan kriteria"))


class DueDatesForm(FlaskForm):
    """Due dates of an angkatan's stages (date fields added per stage)."""

    submit = SubmitField(_l("Simpan jadwal"))


def with_due_dates(stages):
    """A DueDatesForm with one optional date field ``due_<id>`` per stage."""
    attrs = {f"due_{s.id}": DateField(s.name, validators=[Optional()]) for s in stages}
    return type("DueDatesForm", (DueDatesForm,), attrs)


class SessionForm(FlaskForm):
    """A new seminar session."""

    stage = SelectField(_l("Tahap seminar"), coerce=int, choices=[])
    title = StringField(_l("Nama sesi"), validators=[DataRequired(), Length(max=200)])
    starts_at = DateTimeLocalField(_l("Mulai"), validators=[InputRequired()], format="%Y-%m-%dT%H:%M")
    slot_minutes = IntegerField(
        _l("Menit per peserta"), default=45, validators=[InputRequired(), NumberRange(5, 240)]
    )
    location = StringField(_l("Tempat atau tautan"), validators=[Length(max=200)])
    capacity = IntegerField(
        _l("Kapasitas peserta"), default=10, validators=[InputRequired(), NumberRange(1, 60)]
    )
    submit = SubmitField(_l("Jadwalkan sesi"))


class MembersForm(FlaskForm):
    """Penguji and participants of a seminar session."""

    examiners = MultiCheckboxField(_l("Penguji"), coerce=int, choices=[])
    participants = MultiCheckboxField(_l("Peserta"), coerce=int, choices=[])
    submit = SubmitField(_l("Simpan susunan sesi"))
