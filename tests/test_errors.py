"""lms/errors.py: the one stale-edit check and its message; lms/models_base.py transition tables."""

from __future__ import annotations

import enum

import pytest
from sqlalchemy.orm.exc import StaleDataError

from lms.errors import StaleEdit, check_version, stale_guard
from lms.models_base import events_from, next_state, targets_from


def test_check_version_refuses_a_stale_form(app):
    check_version(3, 3)
    check_version(3, None)  # no version sent: nothing to compare
    with pytest.raises(StaleEdit) as exc:
        check_version(4, 3)
    assert "sudah diubah orang lain" in exc.value.message
    assert exc.value.status_code == 409


def test_stale_guard_turns_an_optimistic_lock_failure_into_stale_edit(app):
    with pytest.raises(StaleEdit), stale_guard():
        raise StaleDataError("UPDATE matched 0 rows")


class _S(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class _E(enum.StrEnum):
    PUBLISH = "publish"
    CLOSE = "close"


_TABLE = {(_S.DRAFT, _E.PUBLISH): _S.OPEN, (_S.OPEN, _E.CLOSE): _S.CLOSED, (_S.DRAFT, _E.CLOSE): _S.CLOSED}


def test_transition_table_helpers():
    assert next_state(_TABLE, _S.DRAFT, _E.PUBLISH) is _S.OPEN
    assert next_state(_TABLE, _S.CLOSED, _E.PUBLISH) is None
    assert events_from(_TABLE, _S.DRAFT) == [_E.PUBLISH, _E.CLOSE]
    assert targets_from(_TABLE, _S.OPEN) == {_S.CLOSED}
