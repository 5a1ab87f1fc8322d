"""The registry of extra course-completion requirements that other features add (quizzes adds
"required quizzes"): each is a read, ``fn(user_id, course) -> (done, total)``, summed into a
learner's progress by the outline, "Pembelajaran Saya" and the completion check."""

from __future__ import annotations

from collections.abc import Callable

from lms.courses.models import Course

CompletionRequirement = Callable[[int, Course], tuple[int, int]]
_completion_requirements: list[CompletionRequirement] = []


def register_completion_requirement(fn: CompletionRequirement) -> CompletionRequirement:
    """Add a requirement to course completion (quizzes registers "required quizzes").

    ``fn(user_id, course) -> (done, total)`` must run a bounded number of queries. Registering
    the same function twice (several apps in one process) keeps it once.
    """
    if fn not in _completion_requirements:
        _completion_requirements.append(fn)
    return fn


def unregister_completion_requirement(fn: CompletionRequirement) -> None:
    """Remove a requirement (tests)."""
    if fn in _completion_requirements:
        _completion_requirements.remove(fn)


def requirements_progress(user_id: int, course: Course) -> tuple[int, int]:
    """Sum of (done, total) over the registered requirements."""
    done = total = 0
    for fn in _completion_requirements:
        d, t = fn(user_id, course)
        done, total = done + min(d, t), total + t
    return done, total
