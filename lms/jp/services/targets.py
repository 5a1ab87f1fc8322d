"""Yearly JP targets: per instansi and employee class, a default per class (instansi None), and
the built-in 20 JP while an admin has set none."""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask_babel import gettext as _
from sqlalchemy import Integer, bindparam, or_, select

from lms.accounts.models import EmployeeClass, Instansi, User
from lms.errors import DomainError
from lms.extensions import db
from lms.jp.models import JpTarget
from lms.jp.services import journal

# Used only while an admin has set no target: at least 20 JP a year for every ASN (PP 11/2017 as
# amended, PerLAN 10/2018). Admins set per-instansi and default targets in the JP target page.
BUILTIN_TARGETS: dict[EmployeeClass, int] = {EmployeeClass.PNS: 20, EmployeeClass.PPPK: 20}


def target_lookup(instansi_ids: set[int | None]) -> Callable[[int | None, EmployeeClass | str], int | None]:
    """Load the targets of some instansi and the defaults in one query; return a function
    ``(instansi_id, employee_class) -> target JP or None`` (None: no target, e.g. non-ASN)."""
    ids = {i for i in instansi_ids if i is not None}
    stmt = select(JpTarget).where(JpTarget.instansi_id.is_(None))
    if ids:
        stmt = select(JpTarget).where((JpTarget.instansi_id.is_(None)) | (JpTarget.instansi_id.in_(ids)))
    specific: dict[tuple[int, str], int] = {}
    defaults: dict[str, int] = {}
    for row in db.session.scalars(stmt):
        cls = EmployeeClass(row.employee_class).value
        if row.instansi_id is None:
            defaults[cls] = row.target_jp
        else:
            specific[(row.instansi_id, cls)] = row.target_jp

    def lookup(instansi_id: int | None, employee_class: EmployeeClass | str) -> int | None:
        cls = EmployeeClass(employee_class)
        if instansi_id is not None and (instansi_id, cls.value) in specific:
            return specific[(instansi_id, cls.value)]
        if cls.value in defaults:
            return defaults[cls.value]
        return BUILTIN_TARGETS.get(cls)

    return lookup


def target_for(user: User) -> int | None:
    """The yearly JP target of a person (their instansi's, else the default of their class):
    the rule of :func:`target_lookup`, for one person in one small query."""
    cls = EmployeeClass(user.employee_class)
    specific = default = None
    db.session.flush()  # the Core connection below does not autoflush
    rows = db.session.connection().execute(_target_statement(), {"cls": cls, "instansi_id": user.instansi_id})
    for instansi_id, target_jp in rows:
        if instansi_id is None:
            default = target_jp
        elif instansi_id == user.instansi_id:
            specific = target_jp
    if specific is not None:
        return specific
    if default is not None:
        return default
    return BUILTIN_TARGETS.get(cls)


@functools.cache
def _target_statement():
    # Built once per process: the targets of one class, the default and one instansi's.
    return select(JpTarget.instansi_id, JpTarget.target_jp).where(
        JpTarget.employee_class == bindparam("cls", type_=JpTarget.employee_class.type),
        or_(JpTarget.instansi_id.is_(None), JpTarget.instansi_id == bindparam("instansi_id", type_=Integer)),
    )


def jp_targets() -> list[JpTarget]:
    """Every target row set by admins: defaults first, then per instansi."""
    stmt = (
        select(JpTarget)
        .outerjoin(Instansi, Instansi.id == JpTarget.instansi_id)
        .order_by(JpTarget.instansi_id.is_not(None), Instansi.name, JpTarget.employee_class)
    )
    targets = list(db.session.scalars(stmt))
    ids = {t.instansi_id for t in targets if t.instansi_id}
    if ids:
        list(db.session.scalars(select(Instansi).where(Instansi.id.in_(ids))))
    return targets


def set_jp_target(
    instansi: Instansi | None, employee_class: EmployeeClass | str, target_jp: int, by: User | None
) -> JpTarget:
    """Set the yearly target of an employee class in one instansi (or the default: None)."""
    if not 0 <= target_jp <= 2000:
        raise DomainError(_("Target JP harus dari 0 sampai 2000."))
    cls = EmployeeClass(employee_class)
    stmt = select(JpTarget).where(JpTarget.employee_class == cls)
    stmt = stmt.where(
        JpTarget.instansi_id == instansi.id if instansi is not None else JpTarget.instansi_id.is_(None)
    )
    row = db.session.scalar(stmt)
    old = row.target_jp if row else None
    if row is None:
        row = JpTarget(instansi_id=instansi.id if instansi else None, employee_class=cls, target_jp=target_jp)
        db.session.add(row)
    row.target_jp = target_jp
    row.updated_by_id = by.id if by else None
    db.session.flush()
    journal.record(
        "jp_target.set",
        by,
        "jp_target",
        row.id,
        data={"instansi_id": row.instansi_id, "class": cls.value, "from": old, "to": target_jp},
    )
    return row


def delete_jp_target(target: JpTarget, by: User | None) -> None:
    """Remove a target row (the default, or the built-in 20 JP, applies again)."""
    journal.record(
        "jp_target.delete",
        by,
        "jp_target",
        target.id,
        data={"instansi_id": target.instansi_id, "class": EmployeeClass(target.employee_class).value},
    )
    db.session.delete(target)
    db.session.flush()
