"""The learner's outline of a course: the course's shape (modules and lessons, cached per process
and course version), the learner's progress as one row, gating and completion, and the
read-only outline objects the course and lesson pages show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Row, Select, String, bindparam, case, func, select

from lms.accounts.models import User
from lms.courses.models import Course, CourseCompletion, Lesson, LessonKind, LessonProgress, Module
from lms.courses.queries._common import _read
from lms.courses.queries.catalogue import _LESSON_COUNTS
from lms.courses.queries.requirements import requirements_progress
from lms.memo import remember


@dataclass
class OutlineLesson:
    """A lesson in a learner's outline, with their tick, whether they opened it, and for the
    lesson they opened last (the outline's ``resume``) when that was."""

    lesson: LessonRef
    done: bool = False
    viewed: bool = False
    viewed_at: datetime | None = None


class OutlineModule:
    """A module in a learner's outline: its progress, whether it is open, and its lessons with
    the learner's ticks (built on first use: a page lists the lessons of one module at most, and
    100 tick objects cost more than the rest of the outline)."""

    __slots__ = ("module", "done", "total", "open", "_refs", "_progress", "_lessons")

    def __init__(
        self, module: ModuleRef, refs: tuple[LessonRef, ...] = (), progress: LearnerProgress | None = None
    ):
        self.module = module
        self.done = 0
        self.total = 0
        self.open = True
        self._refs = refs
        self._progress = progress or LearnerProgress(frozenset(), frozenset(), None, None)
        self._lessons: list[OutlineLesson] | None = None

    @property
    def lessons(self) -> list[OutlineLesson]:
        if self._lessons is None:
            p = self._progress
            self._lessons = [
                OutlineLesson(
                    ref, ref.id in p.done, ref.id in p.viewed, p.resume_at if ref.id == p.resume_id else None
                )
                for ref in self._refs
            ]
        return self._lessons

    def lesson(self, lesson_id: int) -> OutlineLesson:
        """The tick of one of the module's lessons."""
        return next(ol for ol in self.lessons if ol.lesson.id == lesson_id)

    @property
    def complete(self) -> bool:
        return self.done >= self.total

    @property
    def percent(self) -> float:
        return 100.0 * self.done / self.total if self.total else 100.0


class _ByLesson:
    """``outline.by_lesson[lesson_id]`` -> (module, tick), found through the course shape's
    index without building every module's ticks."""

    __slots__ = ("_modules", "_index")

    def __init__(self, modules: list[OutlineModule], index: dict[int, int]):
        self._modules = modules
        self._index = index

    def __getitem__(self, lesson_id: int) -> tuple[OutlineModule, OutlineLesson]:
        om = self._modules[self._index[lesson_id]]
        return om, om.lesson(lesson_id)

    def __contains__(self, lesson_id: int) -> bool:
        return lesson_id in self._index

    def get(self, lesson_id: int, default=None):
        return self[lesson_id] if lesson_id in self._index else default


@dataclass
class Outline:
    """A course as one learner sees it: modules, ticks, progress, where to go next."""

    course: Course
    modules: list[OutlineModule]
    done: int
    total: int
    completion: Row | None  # (id, completed_at) of the learner's completion
    resume: LessonRef | None
    next_lesson: LessonRef | None
    by_lesson: _ByLesson
    order: tuple[LessonRef, ...]

    @property
    def percent(self) -> float:
        if self.completion is not None:
            return 100.0
        return 100.0 * self.done / self.total if self.total else 0.0

    @property
    def current_module(self) -> OutlineModule | None:
        """The module the learner is in: that of the next lesson to do, else of the lesson last
        opened, else the first (the course page shows its lessons; the others are one tap away)."""
        for lesson in (self.next_lesson, self.resume):
            if lesson is not None:
                return self.by_lesson[lesson.id][0]
        return self.modules[0] if self.modules else None

    def neighbours(self, lesson: Lesson | LessonRef) -> tuple[LessonRef | None, LessonRef | None]:
        """(previous, next) lessons in reading order."""
        ids = [x.id for x in self.order]
        i = ids.index(lesson.id)
        return (self.order[i - 1] if i > 0 else None, self.order[i + 1] if i + 1 < len(ids) else None)


class ModuleRef(NamedTuple):
    """What an outline knows of a module."""

    id: int
    title: str
    summary: str
    published: bool


class LessonRef(NamedTuple):
    """What an outline (and a learner's card) knows of a lesson: enough to link to it and label
    it; the lesson page loads the rest."""

    id: int
    module_id: int
    title: str
    kind: LessonKind
    required: bool = True
    duration_minutes: int | None = None


# The statements read on every visit of a course page or a lesson are built once, with bound
# parameters: building a select and deriving its cache key cost more than running it on a small
# table (about 0.1-0.25 ms a statement here), and the hot pages run several.
class LearnerProgress(NamedTuple):
    """A learner's progress in a course: the lessons done, the lessons opened, and the lesson
    opened last with when."""

    done: frozenset[int]
    viewed: frozenset[int]
    resume_id: int | None
    resume_at: datetime | None


def _progress_stmt(published_only: bool) -> Select:
    """The learner's progress in a course's (published) modules as ONE row: the ids of the
    lessons done and of those opened (comma-separated), and the lesson opened last with its
    time. A row per lesson cost three times more to read than the query itself. The learner's
    rows are joined to the course once, as a CTE that the aggregates and the "opened last"
    lookups share (three copies of the join took PostgreSQL three times as long to plan, and
    made its cached generic plan look dearer than planning each run)."""
    rows = (
        select(
            LessonProgress.id,
            LessonProgress.lesson_id,
            LessonProgress.completed_at,
            LessonProgress.last_viewed_at,
        )
        .join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .join(Module, Module.id == Lesson.module_id)
        .where(LessonProgress.user_id == bindparam("user_id"), Module.course_id == bindparam("course_id"))
    )
    if published_only:
        rows = rows.where(Module.published.is_(True))
    mine = rows.cte("my_progress")
    last = (mine.c.last_viewed_at.desc(), mine.c.id.desc())
    lesson_id = mine.c.lesson_id.cast(String)
    return select(
        func.aggregate_strings(case((mine.c.completed_at.is_not(None), lesson_id)), ","),
        func.aggregate_strings(lesson_id, ","),
        select(mine.c.lesson_id).order_by(*last).limit(1).scalar_subquery(),
        select(mine.c.last_viewed_at).order_by(*last).limit(1).scalar_subquery(),
    ).select_from(mine)


_PROGRESS_STMTS = {True: _progress_stmt(True), False: _progress_stmt(False)}


def _ids(text: str | None) -> frozenset[int]:
    return frozenset(map(int, text.split(","))) if text else frozenset()


def _outline_stmt(published_only: bool, many: bool = False) -> Select:
    stmt = (
        select(
            Module.id.label("module_id"),
            Module.title.label("module_title"),
            Module.summary,
            Module.published,
            Lesson.id,
            Lesson.title,
            Lesson.kind,
            Lesson.required,
            Lesson.duration_minutes,
        )
        .outerjoin(Lesson, Lesson.module_id == Module.id)
        .order_by(Module.position, Module.id, Lesson.position, Lesson.id)
    )
    if many:  # several courses (my learning), course by course
        stmt = (
            stmt.add_columns(Module.course_id)
            .where(Module.course_id.in_(bindparam("course_ids", expanding=True)))
            .order_by(None)
            .order_by(Module.course_id, Module.position, Module.id, Lesson.position, Lesson.id)
        )
    else:
        stmt = stmt.where(Module.course_id == bindparam("course_id"))
    return stmt.where(Module.published.is_(True)) if published_only else stmt


_OUTLINE_STMTS = {True: _outline_stmt(True), False: _outline_stmt(False)}
_OUTLINE_MANY_STMT = _outline_stmt(True, many=True)
_COMPLETION_STMT = select(CourseCompletion.id, CourseCompletion.completed_at).where(
    CourseCompletion.user_id == bindparam("user_id"), CourseCompletion.course_id == bindparam("course_id")
)


def _progress(user_id: int, course_id: int, published_only: bool = True) -> LearnerProgress:
    """The learner's progress in a course (one row, see :func:`_progress_stmt`)."""
    done, viewed, resume_id, resume_at = _read(
        _PROGRESS_STMTS[published_only], {"user_id": user_id, "course_id": course_id}
    ).one()
    return LearnerProgress(_ids(done), _ids(viewed), resume_id, resume_at)


def _gate(modules: list[OutlineModule], sequential: bool) -> None:
    """Sequential courses: a module opens when every module before it is done."""
    previous_done = True
    for om in modules:
        om.open = previous_done or not sequential
        previous_done = previous_done and om.complete


class CompletionRef(NamedTuple):
    """A learner's completion of a course, as the outline shows it."""

    id: int
    completed_at: datetime


class CourseShape(NamedTuple):
    """A course's outline as every learner sees it (no progress): its modules, each with its
    lessons, and the lessons in reading order. Shared by every request of a process, so
    immutable (tuples of tuples)."""

    modules: tuple[tuple[ModuleRef, tuple[LessonRef, ...]], ...]
    order: tuple[LessonRef, ...]
    index: dict[int, int]  # lesson id -> position of its module in ``modules``
    required: tuple[frozenset[int], ...]  # each module's required lesson ids
    lessons: dict[int, LessonRef]  # by id


# Course shapes by (course id, updated_at, published only): the stamp moves whenever a module or
# lesson of the course changes (see lms.courses.models.touch_courses), so an entry is never
# stale; old stamps simply stop being asked for. Bounded: the oldest entries go first.
_SHAPES: dict[tuple, CourseShape] = {}
SHAPES_MAX = 256


def course_shape(course: Course, include_unpublished: bool = False) -> CourseShape:
    """The course's modules and lessons (read once per process and course version)."""
    key = (course.id, course.updated_at, not include_unpublished)
    shape = _SHAPES.get(key)
    if shape is not None:
        return shape
    rows = _read(_OUTLINE_STMTS[not include_unpublished], {"course_id": course.id})
    return _store_shape(key, rows)


def _store_shape(key: tuple, rows) -> CourseShape:
    """Build a course's shape from its outline rows (modules in order, each with its lessons in
    order; a module without lessons has one row of NULL lesson columns) and cache it."""
    modules: list[tuple[ModuleRef, list[LessonRef]]] = []
    current: ModuleRef | None = None
    lessons: list[LessonRef] = []
    for row in rows:
        if current is None or current.id != row.module_id:
            current = ModuleRef(row.module_id, row.module_title, row.summary, row.published)
            lessons = []
            modules.append((current, lessons))
        if row.id is not None:
            lessons.append(
                LessonRef(row.id, row.module_id, row.title, row.kind, row.required, row.duration_minutes)
            )
    order = tuple(lesson for _module, items in modules for lesson in items)
    shape = CourseShape(
        modules=tuple((module, tuple(items)) for module, items in modules),
        order=order,
        index={lesson.id: i for i, (_module, items) in enumerate(modules) for lesson in items},
        required=tuple(frozenset(le.id for le in items if le.required) for _module, items in modules),
        lessons={lesson.id: lesson for lesson in order},
    )
    return remember(_SHAPES, key, shape, SHAPES_MAX)


def course_shapes(courses) -> dict[int, CourseShape]:
    """The shapes (published modules only) of several courses by id: the cached ones, and the
    others read together in one query."""
    shapes: dict[int, CourseShape] = {}
    missing = {}
    for course in courses:
        shape = _SHAPES.get((course.id, course.updated_at, True))
        if shape is None:
            missing[course.id] = course
        else:
            shapes[course.id] = shape
    if len(missing) == 1:
        course = next(iter(missing.values()))
        shapes[course.id] = course_shape(course)
    elif missing:
        rows: dict[int, list[Row]] = {course_id: [] for course_id in missing}
        for row in _read(_OUTLINE_MANY_STMT, {"course_ids": list(missing)}):
            rows[row.course_id].append(row)
        for course_id, course in missing.items():
            shapes[course_id] = _store_shape((course.id, course.updated_at, True), rows[course_id])
    return shapes


def clear_course_caches() -> None:
    """Forget every cached course shape and lesson count (tests measure the cold path)."""
    _SHAPES.clear()
    _LESSON_COUNTS.clear()


def course_outline(course: Course, user: User, include_unpublished: bool = False) -> Outline:
    """The learner's outline of ``course``: a fixed number of queries whatever its size.

    ``include_unpublished`` shows unpublished modules too (an admin's preview). The course's
    modules and lessons come from :func:`course_shape` (small read-only tuples, read once per
    process and course version: a 100-lesson course is listed on every visit of its page and of
    each of its lessons); this adds the learner's ticks, progress, gating and completion.
    """
    shape = course_shape(course, include_unpublished)
    progress = _progress(user.id, course.id, not include_unpublished)
    if getattr(course, "viewer_id", None) == user.id:  # read with the course's row
        completion = (
            CompletionRef(course.viewer_completion_id, course.viewer_completed_at)
            if course.viewer_completion_id is not None
            else None
        )
    else:
        completion = _read(_COMPLETION_STMT, {"user_id": user.id, "course_id": course.id}).first()
    done_ids = progress.done
    resume = shape.lessons.get(progress.resume_id) if progress.resume_id is not None else None
    outline_modules: list[OutlineModule] = []
    done = total = 0
    for (module, lessons), required in zip(shape.modules, shape.required, strict=True):
        om = OutlineModule(module, lessons, progress)
        if module.published or include_unpublished:
            om.total = len(required)
            om.done = len(required & done_ids) if done_ids else 0
        outline_modules.append(om)
        if module.published:
            done, total = done + om.done, total + om.total
    _gate(outline_modules, course.sequential)
    extra_done, extra_total = requirements_progress(user.id, course)
    next_lesson = next(
        (le for om in outline_modules if om.open for le in om._refs if le.id not in done_ids),
        None,
    )
    return Outline(
        course=course,
        modules=outline_modules,
        done=done + extra_done,
        total=total + extra_total,
        completion=completion,
        resume=resume,
        next_lesson=next_lesson,
        by_lesson=_ByLesson(outline_modules, shape.index),
        order=shape.order,
    )
