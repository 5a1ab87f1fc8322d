"""Indexes the results dashboards need on other features' tables (declared here, next to the
queries that need them, so the courses models stay the courses feature's)."""

from __future__ import annotations

from sqlalchemy import Index

from lms.courses.models import LessonProgress

# The angkatan dashboard's progress panel counts each participant's completed lessons: with this
# partial index both databases read them from the index alone (user, then lesson), instead of a
# sequential scan of every lesson_progress row (PostgreSQL) or a table row per progress row
# (SQLite). 36 -> 9 ms on PostgreSQL for an angkatan of 490 with 200,000 progress rows.
# completed_at is a column too although implied by the condition: without it SQLite does not
# see the index as covering and keeps to ix_lesson_progress_user_id plus the table.
ix_lesson_progress_done = Index(
    "ix_lesson_progress_done",
    LessonProgress.user_id,
    LessonProgress.lesson_id,
    LessonProgress.completed_at,
    sqlite_where=LessonProgress.completed_at.is_not(None),
    postgresql_where=LessonProgress.completed_at.is_not(None),
)
