"""results: partial index on lesson_progress (user, lesson, completed) of completed lessons, for the
angkatan dashboard's progress panel

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_DONE = sa.text("completed_at IS NOT NULL")


def upgrade():
    op.create_index(
        "ix_lesson_progress_done",
        "lesson_progress",
        ["user_id", "lesson_id", "completed_at"],
        unique=False,
        sqlite_where=_DONE,
        postgresql_where=_DONE,
    )


def downgrade():
    op.drop_index("ix_lesson_progress_done", table_name="lesson_progress")
