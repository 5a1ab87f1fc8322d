"""Each person's JP this year against their yearly target, in SQL, for the JP panels of both
dashboards: one subquery of people with their JP, target and status, counts per status, and the
chart of those counts."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import aliased

from lms.accounts.models import User
from lms.extensions import db
from lms.jp.models import JpRecord, JpTarget
from lms.jp.services import BUILTIN_TARGETS
from lms.models_base import inline
from lms.results.queries.panel_data import Chart

# A person's JP status against their target, as computed in SQL.
JP_REACHED, JP_BEHIND, JP_NO_TARGET = 0, 1, 2


def jp_people(user_stmt, year: int):
    """A subquery of the users selected by ``user_stmt`` (a select of user ids) with their JP
    this year, their yearly target (their instansi's for their class, else the default of their
    class, else the built-in one; none for non-ASN) and their status (``JP_REACHED``,
    ``JP_BEHIND`` or ``JP_NO_TARGET``): the same rule as ``jp.target_lookup``, in SQL."""
    earned = (
        select(JpRecord.user_id, func.sum(JpRecord.jp).label("jp"))
        .where(JpRecord.year == inline(year), JpRecord.user_id.in_(user_stmt))
        .group_by(JpRecord.user_id)
        .subquery()
    )
    own, default = aliased(JpTarget), aliased(JpTarget)
    builtin = case(
        *[
            (User.employee_class == inline(cls, User.employee_class.type), inline(target))
            for cls, target in BUILTIN_TARGETS.items()
        ],
        else_=None,
    )
    target = func.coalesce(own.target_jp, default.target_jp, builtin)
    jp = func.coalesce(earned.c.jp, inline(0))
    status = case(
        (target.is_(None), inline(JP_NO_TARGET)),
        (jp >= target, inline(JP_REACHED)),
        else_=inline(JP_BEHIND),
    )
    return (
        select(
            User.id.label("user_id"),
            User.full_name.label("full_name"),
            User.nip.label("nip"),
            User.unit_id.label("unit_id"),
            jp.label("jp"),
            target.label("target"),
            status.label("status"),
        )
        .outerjoin(earned, earned.c.user_id == User.id)
        .outerjoin(own, and_(own.instansi_id == User.instansi_id, own.employee_class == User.employee_class))
        .outerjoin(
            default, and_(default.instansi_id.is_(None), default.employee_class == User.employee_class)
        )
        .where(User.id.in_(user_stmt))
        .subquery()
    )


def jp_status_labels() -> dict[int, str]:
    return {JP_REACHED: _("Tercapai"), JP_BEHIND: _("Belum tercapai"), JP_NO_TARGET: _("Tanpa target")}


def jp_status_counts(people, cache: dict) -> dict[int, int]:
    """People per JP status: one GROUP BY query (cached for the request's other panels)."""
    if "jp_status_counts" not in cache:
        rows = db.session.execute(select(people.c.status, func.count()).group_by(people.c.status))
        cache["jp_status_counts"] = {int(s): int(n) for s, n in rows}
    return cache["jp_status_counts"]


JP_ORDER = (JP_REACHED, JP_BEHIND, JP_NO_TARGET)


def target_chart(counts: list[int], labels: dict[int, str], year: int) -> Chart:
    """``counts``: people reached, behind and without a target, in that order."""
    return Chart(
        _("Capaian target JP tahun %(year)s", year=year),
        [labels[s] for s in JP_ORDER],
        list(counts),
        _("orang"),
    )


def json_number(value):
    """A target as JSON: an int (or a float if fractional), None stays None."""
    if value is None:
        return None
    value = float(value)
    return int(value) if value.is_integer() else value
