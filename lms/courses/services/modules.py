"""A course's modules: add, change, publish or hide, reorder (and the reordering used by lessons),
delete."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from lms.courses.models import Course, Module, touch_courses
from lms.courses.services._common import CourseError, _delete, _lesson_files
from lms.errors import check_version
from lms.extensions import db


def _next_position(column, parent_col, parent_id: int) -> int:
    current = db.session.scalar(select(func.max(column)).where(parent_col == parent_id))
    return 0 if current is None else current + 1


def add_module(course: Course, title: str, summary: str = "", published: bool = False) -> Module:
    """Append a module at the end of the course."""
    title = (title or "").strip()
    if not title:
        raise CourseError(_("Judul modul wajib diisi."))
    module = Module(
        course=course,
        title=title[:200],
        summary=(summary or "").strip(),
        published=published,
        position=_next_position(Module.position, Module.course_id, course.id),
    )
    db.session.add(module)
    db.session.flush()
    return module


def update_module(
    module: Module, title: str, summary: str, published: bool, expected_version: int | None
) -> None:
    """Rename or describe a module and set its published flag; a stale form is refused."""
    check_version(module.version, expected_version)
    title = (title or "").strip()
    if not title:
        raise CourseError(_("Judul modul wajib diisi."))
    module.title = title[:200]
    module.summary = (summary or "").strip()
    module.published = bool(published)
    db.session.flush()


def set_module_published(module: Module, published: bool) -> None:
    """Show or hide a module from learners (their progress on it is kept either way)."""
    module.published = bool(published)
    db.session.flush()


def _move(items: list, item, direction: int, model) -> bool:
    """Swap ``item`` with its neighbour and renumber positions 0..n-1.

    Positions are written with a bulk UPDATE so that reordering does not bump the rows' edit
    versions (an editor's open form on a lesson stays valid after someone reorders)."""
    index = next(i for i, x in enumerate(items) if x.id == item.id)
    target = index + (1 if direction > 0 else -1)
    if target < 0 or target >= len(items):
        return False
    items[index], items[target] = items[target], items[index]
    for pos, obj in enumerate(items):
        if obj.position != pos:
            db.session.execute(
                update(model).where(model.id == obj.id).values(position=pos),
                execution_options={"synchronize_session": False},
            )
            db.session.expire(obj, ["position"])
    # A bulk UPDATE flushes nothing: stamp the course's outline as changed here.
    if model is Module:
        touch_courses(db.session, [item.course_id])
    else:
        touch_courses(db.session, (), [item.module_id])
    return True


def _move_among(item, direction: int, model, parent_col) -> bool:
    """Move ``item`` one place among the rows of ``model`` with the same parent (``parent_col``:
    the module's course, the lesson's module), in their order."""
    siblings = list(
        db.session.scalars(
            select(model)
            .where(parent_col == getattr(item, parent_col.key))
            .order_by(model.position, model.id)
        )
    )
    return _move(siblings, item, direction, model)


def move_module(module: Module, direction: int) -> bool:
    """Move a module one place up (-1) or down (+1); False when already at the edge."""
    return _move_among(module, direction, Module, Module.course_id)


def delete_module(module: Module) -> list[str]:
    """Delete a module with its lessons (their progress goes too); returns files to discard."""
    return _delete(module, _lesson_files(module.lessons))
