"""The JP ledger: calendar years in WIB, WITA and WIT, crediting once, external training counted
only after verification, and yearly targets."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from lms import storage
from lms.accounts.models import EmployeeClass
from lms.errors import DomainError, StaleEdit, WorkflowError
from lms.extensions import db
from lms.jp import services
from lms.jp.models import ExternalStatus, JpRecord, JpSource
from tests.factories import admin_user, make_instansi, make_results_jp, make_user, tiny_pdf

WIB, WITA, WIT = "Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    "moment,zone,year",
    [
        # the example: 23:30 WIB on 31 December, but 00:30 WITA / 01:30 WIT on 1 January
        (utc(2025, 12, 31, 16, 30), WIB, 2025),
        (utc(2025, 12, 31, 16, 30), WITA, 2026),
        (utc(2025, 12, 31, 16, 30), WIT, 2026),
        # the last second of the year and the first of the next, in each zone
        (utc(2025, 12, 31, 16, 59, 59), WIB, 2025),
        (utc(2025, 12, 31, 17, 0, 0), WIB, 2026),
        (utc(2025, 12, 31, 15, 59, 59), WITA, 2025),
        (utc(2025, 12, 31, 16, 0, 0), WITA, 2026),
        (utc(2025, 12, 31, 14, 59, 59), WIT, 2025),
        (utc(2025, 12, 31, 15, 0, 0), WIT, 2026),
    ],
)
def test_calendar_year_in_the_persons_zone(moment, zone, year):
    assert services.local_year(moment, zone) == year


@pytest.mark.parametrize("zone,year", [(WIB, 2025), (WITA, 2026), (WIT, 2026)])
def test_a_completion_at_new_year_counts_once_in_the_right_year(app, zone, year):
    user = make_user(commit=False, timezone=zone)
    at = utc(2025, 12, 31, 16, 30)
    assert services.credit_jp(user, JpSource.COURSE, 7, "Kursus A", 20, at) is True
    assert services.credit_jp(user, JpSource.COURSE, 7, "Kursus A", 20, at) is False  # once per completion
    assert db.session.scalar(select(func.count(JpRecord.id))) == 1
    other = 2025 if year == 2026 else 2026
    assert services.ledger(user, year).total == 20
    assert services.ledger(user, other).total == 0
    # "this year" is read in the person's zone too
    assert services.current_year(user, now=at) == year
    assert services.ledger(user, now=at).year == year


def test_ledger_lists_records_years_and_target(app):
    user = make_user(commit=False)
    make_results_jp(user.id, 2024, 15)
    make_results_jp(user.id, 2025, 8)
    make_results_jp(user.id, 2025, 5)
    ledger = services.ledger(user, 2025, now=utc(2025, 6, 1))
    assert (ledger.total, ledger.target, ledger.reached, ledger.remaining) == (13, 20, False, 7)
    assert ledger.percent == pytest.approx(65.0)
    assert [(y.year, y.total) for y in ledger.years] == [(2025, 13), (2024, 15)]
    assert len(ledger.records) == 2
    columns, rows = services.ledger_export(user)
    assert columns == ["Tahun", "Tanggal", "Kegiatan", "Sumber", "JP"] and len(rows) == 3
    # an empty current year is listed too
    assert services.ledger(user, now=utc(2027, 2, 1)).years[0].year == 2027


def _submit(user, jp=8, end=date(2025, 11, 20)):
    data = services.ExternalData("Bimtek Arsip", "ANRI", date(2025, 11, 18), end, jp)
    return services.submit_external_training(user, data, io.BytesIO(tiny_pdf()), "sertifikat.pdf")


def test_external_jp_counts_only_after_verification(app):
    user = make_user(commit=False, timezone=WITA)
    admin = admin_user()
    training = _submit(user, jp=8)
    assert training.status == ExternalStatus.PENDING and storage.exists(training.file_key)
    assert services.ledger(user, 2025).total == 0

    services.reject_external_training(training, admin, "Sertifikat tidak terbaca")
    assert services.ledger(user, 2025).total == 0
    # corrected and sent again: back to pending, still not counted
    data = services.ExternalData("Bimtek Arsip", "ANRI", date(2025, 11, 18), date(2025, 11, 20), 8)
    services.update_external_training(training, data, io.BytesIO(tiny_pdf()), "baru.pdf")
    assert training.status == ExternalStatus.PENDING and training.reviewed_at is None
    assert services.ledger(user, 2025).total == 0

    services.verify_external_training(training, admin, "OK", expected_version=training.version)
    assert services.ledger(user, 2025).total == 8
    record = db.session.scalar(select(JpRecord).where(JpRecord.source == JpSource.EXTERNAL))
    assert (record.source_id, record.year, record.jp) == (training.id, 2025, 8)
    with pytest.raises(WorkflowError):
        services.verify_external_training(training, admin)
    with pytest.raises(WorkflowError):
        services.reject_external_training(training, admin, "terlambat ditolak")
    with pytest.raises(WorkflowError):
        services.delete_external_training(training, user)
    assert db.session.scalar(select(func.count(JpRecord.id))) == 1


def test_external_training_ending_on_new_years_eve_counts_in_that_year(app):
    user = make_user(commit=False, timezone=WIT)
    training = _submit(user, jp=4, end=date(2025, 12, 31))
    services.verify_external_training(training, None)
    assert services.ledger(user, 2025).total == 4 and services.ledger(user, 2026).total == 0


def test_external_upload_is_checked_by_content(app):
    user = make_user(commit=False)
    data = services.ExternalData("Bimtek", "X", date(2025, 1, 1), date(2025, 1, 2), 4)
    with pytest.raises(storage.UploadRejected):
        services.submit_external_training(user, data, io.BytesIO(b"not a pdf at all"), "palsu.pdf")


@pytest.mark.parametrize(
    "data",
    [
        services.ExternalData("", "X", date(2025, 1, 1), date(2025, 1, 2), 4),
        services.ExternalData("Bimtek", "X", date(2025, 1, 3), date(2025, 1, 2), 4),
        services.ExternalData("Bimtek", "X", date(2025, 1, 1), date(2999, 1, 2), 4),
        services.ExternalData("Bimtek", "X", date(2025, 1, 1), date(2025, 1, 2), 0),
    ],
)
def test_external_data_is_validated(app, data):
    with pytest.raises(DomainError):
        services.submit_external_training(make_user(commit=False), data, io.BytesIO(tiny_pdf()), "a.pdf")


def test_stale_review_is_refused(app):
    training = _submit(make_user(commit=False))
    with pytest.raises(StaleEdit):
        services.verify_external_training(training, None, expected_version=training.version + 1)


def test_targets_per_instansi_and_class_with_defaults(app):
    inst, other = make_instansi(), make_instansi()
    pns = make_user(commit=False, instansi_id=inst.id)
    pppk = make_user(commit=False, instansi_id=inst.id, employee_class=EmployeeClass.PPPK)
    outsider = make_user(commit=False, instansi_id=other.id, employee_class=EmployeeClass.NON_ASN)
    assert (services.target_for(pns), services.target_for(pppk), services.target_for(outsider)) == (
        20,
        20,
        None,
    )
    services.set_jp_target(None, "PNS", 24, None)  # the default for every instansi
    services.set_jp_target(inst, "PNS", 90, None)  # an agency with a higher target
    services.set_jp_target(None, "PNS", 30, None)  # changing the default updates its row
    assert services.target_for(pns) == 90
    assert services.target_for(make_user(commit=False, instansi_id=other.id)) == 30
    assert services.target_for(pppk) == 20
    assert len(services.jp_targets()) == 2
    with pytest.raises(DomainError):
        services.set_jp_target(inst, "PNS", -1, None)
