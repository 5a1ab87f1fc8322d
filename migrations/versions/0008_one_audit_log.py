"""one audit log: audit_entries replaces project_audit_log and results_audit_entries (rows moved)

Projects' old/new values go to ``data`` as {"old": ..., "new": ...}; results' entries keep their
data; the JP ledger's entries (actions external.* and jp_target.*) become feature "jp". Rows are
read with the connection and written through sa.table(...), so the copy runs the same on SQLite
and PostgreSQL. The downgrade recreates both old tables and copies the rows back.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

BATCH = 1000
JP_ACTIONS = ("external.", "jp_target.")

audit_entries = sa.table(
    "audit_entries",
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("actor_id", sa.Integer()),
    sa.column("feature", sa.String()),
    sa.column("action", sa.String()),
    sa.column("subject_type", sa.String()),
    sa.column("subject_id", sa.Integer()),
    sa.column("angkatan_id", sa.Integer()),
    sa.column("project_id", sa.Integer()),
    sa.column("data", sa.JSON()),
    sa.column("reason", sa.Text()),
)
project_audit_log = sa.table(
    "project_audit_log",
    sa.column("id", sa.Integer()),
    sa.column("actor_id", sa.Integer()),
    sa.column("project_id", sa.Integer()),
    sa.column("action", sa.String()),
    sa.column("object_type", sa.String()),
    sa.column("object_id", sa.Integer()),
    sa.column("old_value", sa.Text()),
    sa.column("new_value", sa.Text()),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
results_audit_entries = sa.table(
    "results_audit_entries",
    sa.column("id", sa.Integer()),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("actor_id", sa.Integer()),
    sa.column("action", sa.String()),
    sa.column("subject_type", sa.String()),
    sa.column("subject_id", sa.Integer()),
    sa.column("angkatan_id", sa.Integer()),
    sa.column("data", sa.JSON()),
    sa.column("reason", sa.Text()),
)


def _insert(table, rows):
    conn = op.get_bind()
    for start in range(0, len(rows), BATCH):
        conn.execute(table.insert(), rows[start : start + BATCH])


def upgrade():
    op.create_table(
        "audit_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("feature", sa.String(length=20), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("subject_type", sa.String(length=40), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("angkatan_id", sa.Integer(), nullable=True),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_audit_entries_actor_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["angkatan_id"],
            ["angkatan.id"],
            name=op.f("fk_audit_entries_angkatan_id_angkatan"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_audit_entries_project_id_projects"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entries")),
    )
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_entries_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_entries_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_entries_angkatan_id"), ["angkatan_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_entries_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_entries_feature"), ["feature"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_entries_project_id"), ["project_id"], unique=False)
        batch_op.create_index("ix_audit_entries_subject", ["subject_type", "subject_id"], unique=False)

    conn = op.get_bind()
    moved = []
    for row in conn.execute(sa.select(project_audit_log)).mappings():
        moved.append(
            (
                (row["created_at"], "projects", row["id"]),
                {
                    "created_at": row["created_at"],
                    "actor_id": row["actor_id"],
                    "feature": "projects",
                    "action": row["action"],
                    "subject_type": row["object_type"],
                    "subject_id": row["object_id"],
                    "angkatan_id": None,
                    "project_id": row["project_id"],
                    "data": {"old": row["old_value"] or "", "new": row["new_value"] or ""},
                    "reason": "",
                },
            )
        )
    for row in conn.execute(sa.select(results_audit_entries)).mappings():
        feature = "jp" if row["action"].startswith(JP_ACTIONS) else "results"
        moved.append(
            (
                (row["created_at"], "results", row["id"]),
                {
                    "created_at": row["created_at"],
                    "actor_id": row["actor_id"],
                    "feature": feature,
                    "action": row["action"],
                    "subject_type": row["subject_type"],
                    "subject_id": row["subject_id"],
                    "angkatan_id": row["angkatan_id"],
                    "project_id": None,
                    "data": row["data"] if row["data"] is not None else {},
                    "reason": row["reason"] or "",
                },
            )
        )
    # Oldest first, so the new ids keep each feature's order (pages sort by time, then id).
    moved.sort(key=lambda item: item[0])
    _insert(audit_entries, [values for _, values in moved])

    with op.batch_alter_table("results_audit_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_results_audit_entries_subject")
        batch_op.drop_index(batch_op.f("ix_results_audit_entries_created_at"))
        batch_op.drop_index(batch_op.f("ix_results_audit_entries_angkatan_id"))
        batch_op.drop_index(batch_op.f("ix_results_audit_entries_actor_id"))
        batch_op.drop_index(batch_op.f("ix_results_audit_entries_action"))
    op.drop_table("results_audit_entries")
    with op.batch_alter_table("project_audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_project_audit_log_project_id"))
        batch_op.drop_index(batch_op.f("ix_project_audit_log_created_at"))
        batch_op.drop_index(batch_op.f("ix_project_audit_log_actor_id"))
        batch_op.drop_index(batch_op.f("ix_project_audit_log_action"))
    op.drop_table("project_audit_log")


def downgrade():
    op.create_table(
        "project_audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("object_type", sa.String(length=40), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=False),
        sa.Column("new_value", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_project_audit_log_actor_id_users")),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_project_audit_log_project_id_projects"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_audit_log")),
    )
    with op.batch_alter_table("project_audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_project_audit_log_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_project_audit_log_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_project_audit_log_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_project_audit_log_project_id"), ["project_id"], unique=False)
    op.create_table(
        "results_audit_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("subject_type", sa.String(length=40), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("angkatan_id", sa.Integer(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_results_audit_entries_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["angkatan_id"],
            ["angkatan.id"],
            name=op.f("fk_results_audit_entries_angkatan_id_angkatan"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_results_audit_entries")),
    )
    with op.batch_alter_table("results_audit_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_results_audit_entries_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_results_audit_entries_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_results_audit_entries_angkatan_id"), ["angkatan_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_results_audit_entries_created_at"), ["created_at"], unique=False)
        batch_op.create_index(
            "ix_results_audit_entries_subject", ["subject_type", "subject_id"], unique=False
        )

    source = sa.table(
        "audit_entries",
        sa.column("id", sa.Integer()),
        *(sa.column(c.name, c.type) for c in audit_entries.columns),
    )
    conn = op.get_bind()
    projects, results = [], []
    for row in conn.execute(sa.select(source).order_by(source.c.id)).mappings():
        data = row["data"] if isinstance(row["data"], dict) else {}
        if row["feature"] == "projects":
            projects.append(
                {
                    "actor_id": row["actor_id"],
                    "project_id": row["project_id"],
                    "action": row["action"],
                    "object_type": row["subject_type"],
                    "object_id": row["subject_id"] if row["subject_id"] is not None else 0,
                    "old_value": "" if data.get("old") is None else str(data.get("old")),
                    "new_value": "" if data.get("new") is None else str(data.get("new")),
                    "created_at": row["created_at"],
                }
            )
        else:
            results.append(
                {
                    "created_at": row["created_at"],
                    "actor_id": row["actor_id"],
                    "action": row["action"],
                    "subject_type": row["subject_type"],
                    "subject_id": row["subject_id"],
                    "angkatan_id": row["angkatan_id"],
                    "data": row["data"] if row["data"] is not None else {},
                    "reason": row["reason"] or "",
                }
            )
    _insert(
        sa.table(
            "project_audit_log",
            *(sa.column(c.name, c.type) for c in project_audit_log.columns if c.name != "id"),
        ),
        projects,
    )
    _insert(
        sa.table(
            "results_audit_entries",
            *(sa.column(c.name, c.type) for c in results_audit_entries.columns if c.name != "id"),
        ),
        results,
    )

    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_entries_subject")
        batch_op.drop_index(batch_op.f("ix_audit_entries_project_id"))
        batch_op.drop_index(batch_op.f("ix_audit_entries_feature"))
        batch_op.drop_index(batch_op.f("ix_audit_entries_created_at"))
        batch_op.drop_index(batch_op.f("ix_audit_entries_angkatan_id"))
        batch_op.drop_index(batch_op.f("ix_audit_entries_actor_id"))
        batch_op.drop_index(batch_op.f("ix_audit_entries_action"))
    op.drop_table("audit_entries")
