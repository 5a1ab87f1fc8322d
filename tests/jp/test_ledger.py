"""The ledger's own operations: ``credit_jp`` writes a line once, ``revoke_jp`` takes it back,
``jp_total`` adds a person's year, the decisions reach the audit log through the registered
recorder, and ``lms.jp`` stays a leaf below courses and results."""

from __future__ import annotations

import ast
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from lms.audit import AuditEntry
from lms.config import ROOT
from lms.extensions import db
from lms.jp import services
from lms.jp.models import JpRecord, JpSource
from lms.jp.services import journal
from tests.factories import make_user

WIB, WIT = "Asia/Jakarta", "Asia/Jayapura"


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def _records() -> int:
    return db.session.scalar(select(func.count(JpRecord.id)))


def test_credit_jp_writes_one_line_per_source_in_the_persons_year(app):
    user = make_user(commit=False, timezone=WIT)
    at = utc(2025, 12, 31, 15, 30)  # 00:30 WIT on 1 January 2026
    assert services.credit_jp(user, JpSource.COURSE, 3, "Kursus B", 12, at) is True
    assert services.credit_jp(user, JpSource.COURSE, 3, "Kursus B (lagi)", 12, at) is False
    assert services.credit_jp(user, JpSource.PROGRAM, 3, "Program dengan id yang sama", 30, at) is True
    assert _records() == 2
    record = db.session.scalar(select(JpRecord).where(JpRecord.source == JpSource.COURSE))
    assert (record.year, record.jp, record.title, record.earned_at) == (2026, 12, "Kursus B", at)


def test_credit_jp_without_a_moment_counts_now_and_cuts_long_titles(app):
    user = make_user(commit=False, timezone=WIB)
    assert services.credit_jp(user, JpSource.EXTERNAL, 9, "x" * 300, 5) is True
    record = db.session.scalar(select(JpRecord))
    assert len(record.title) == 255
    assert record.year == services.current_year(user)


def test_jp_total_adds_every_source_of_one_year(app):
    user, other = make_user(commit=False), make_user(commit=False)
    services.credit_jp(user, JpSource.COURSE, 1, "A", 12, utc(2025, 3, 1))
    services.credit_jp(user, JpSource.PROGRAM, 2, "B", 30, utc(2025, 9, 1))
    services.credit_jp(user, JpSource.EXTERNAL, 3, "C", 8, utc(2024, 9, 1))
    services.credit_jp(other, JpSource.COURSE, 1, "A", 12, utc(2025, 3, 1))
    assert services.jp_total(user, 2025) == 42
    assert services.jp_total(user, 2024) == 8
    assert services.jp_total(user, 2023) == 0
    assert services.jp_total(other, 2025) == 12


def test_revoke_jp_takes_back_only_that_line(app):
    user, other = make_user(commit=False), make_user(commit=False)
    services.credit_jp(user, JpSource.PROGRAM, 5, "Program", 30, utc(2025, 5, 1))
    services.credit_jp(user, JpSource.COURSE, 5, "Kursus", 12, utc(2025, 5, 1))
    services.credit_jp(other, JpSource.PROGRAM, 5, "Program", 30, utc(2025, 5, 1))
    assert services.revoke_jp(user.id, JpSource.PROGRAM, 5) is True
    assert services.revoke_jp(user.id, JpSource.PROGRAM, 5) is False  # nothing left to take back
    assert services.jp_total(user, 2025) == 12
    assert services.jp_total(other, 2025) == 30
    # once taken back, the same source may be credited again
    assert services.credit_jp(user, JpSource.PROGRAM, 5, "Program", 30, utc(2025, 6, 1)) is True
    assert services.jp_total(user, 2025) == 42


def test_target_decisions_reach_the_audit_log(app):
    services.set_jp_target(None, "PNS", 24, None)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "jp_target.set"))
    assert entry.subject_type == "jp_target" and entry.data["to"] == 24


def test_without_a_recorder_a_decision_is_refused_not_lost(app, monkeypatch):
    monkeypatch.setattr(journal, "_RECORDER", {})
    with pytest.raises(RuntimeError):
        services.set_jp_target(None, "PNS", 24, None)


def test_jp_is_a_leaf_below_courses_and_results():
    """lms.jp imports lms.accounts and infrastructure only (courses and results call it)."""
    imported = set()
    for path in (ROOT / "lms" / "jp").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
            elif isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
    features = {m.split(".")[1] for m in imported if m.startswith("lms.") and m.count(".") >= 2}
    assert "courses" not in features and "results" not in features
    assert {"jp", "accounts"} <= features
