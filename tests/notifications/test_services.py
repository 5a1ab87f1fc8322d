"""Notifications: in-app rows and the email outbox, sent over SMTP by the worker with retries.
A failing SMTP server never loses (or blocks) the decision that caused the email."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from lms import worker
from lms.extensions import db
from lms.models_base import utcnow
from lms.notifications import services
from lms.notifications.models import Notification, OutboxEmail, OutboxStatus, ScheduledRun
from lms.projects import services as project_services
from lms.projects.models import StageSubmission, SubmissionState
from tests.factories import make_user, project_world, submit_stage_as_owner
from tests.notifications.smtp_sink import SmtpSink, closed_port


def test_notify_writes_bell_and_outbox(app):
    user = make_user(email="andi@pelita.test")
    services.notify(user, "Halo", "Isi pesan", "/proyek/1")
    db.session.commit()
    assert services.unread_count(user) == 1
    email = db.session.scalar(select(OutboxEmail))
    assert email.to_address == "andi@pelita.test" and email.status == OutboxStatus.PENDING
    assert "/proyek/1" in email.body


def test_notify_without_email_only_in_app(app):
    user = make_user(email=None)
    services.notify(user, "Halo", "Isi")
    db.session.commit()
    assert services.unread_count(user) == 1
    assert db.session.scalar(select(func.count(OutboxEmail.id))) == 0


def test_send_pending_delivers_to_smtp(make_app):
    with SmtpSink() as sink:
        app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=sink.port, MAIL_SENDER="pelita@bpsdm.test")
        with app.app_context():
            user = make_user(email="dewi@pelita.test")
            services.notify(user, "Keputusan Rancangan", "Disetujui.", "/proyek/1")
            db.session.commit()
            counts = services.send_pending(limit=10)
            db.session.commit()
            assert counts == {"sent": 1, "failed": 0}
            row = db.session.scalar(select(OutboxEmail))
            assert row.status == OutboxStatus.SENT and row.sent_at is not None and row.attempts == 1
        [(rcpt, msg)] = sink.messages
        assert rcpt == ["dewi@pelita.test"]
        assert msg["Subject"] == "Keputusan Rancangan"
        assert msg["From"] == "pelita@bpsdm.test"


def test_failing_smtp_keeps_the_decision_and_retries_later(make_app):
    """Must show: SMTP is down when the mentor decides; the decision is committed, the email
    waits with its error, and a later worker run delivers it."""
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=closed_port())
    with app.app_context():
        world = project_world()
        sub = submit_stage_as_owner(world)
        project_services.decide(sub, world.mentor, "revise", "Lengkapi data dukung.", None, sub.version)
        db.session.commit()
        sub_id = sub.id
        results = worker.run_jobs(app, [j for j in worker.JOBS if j.name == "send-outbox"])
        assert results["send-outbox"]["sent"] == 0 and results["send-outbox"]["failed"] >= 1
        db.session.expire_all()
        assert db.session.get(StageSubmission, sub_id).state == SubmissionState.REVISION_REQUESTED
        rows = db.session.scalars(select(OutboxEmail)).all()
        assert rows and all(r.status == OutboxStatus.PENDING for r in rows)
        assert all(r.attempts == 1 and r.last_error and r.next_attempt_at > utcnow() for r in rows)
        # Running again right away does not hammer the server: nothing is due yet.
        assert services.send_pending() == {"sent": 0, "failed": 0}
        total = len(rows)
    with SmtpSink() as sink:
        app.config["MAIL_PORT"] = sink.port
        with app.app_context():
            counts = services.send_pending(now=utcnow() + timedelta(minutes=5))
            db.session.commit()
            assert counts == {"sent": total, "failed": 0}
            assert db.session.get(StageSubmission, sub_id).state == SubmissionState.REVISION_REQUESTED
        subjects = [m["Subject"] for _r, m in sink.messages]
        assert any("Keputusan Rancangan" in s for s in subjects)


def test_backoff_grows_and_gives_up(make_app):
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=closed_port())
    with app.app_context():
        services.notify(make_user(email="x@pelita.test"), "Uji", "Isi")
        db.session.commit()
        row = db.session.scalar(select(OutboxEmail))
        waits = []
        now = utcnow()
        for _ in range(services.MAX_ATTEMPTS):
            services.send_pending(now=now)
            db.session.commit()
            if row.status == OutboxStatus.FAILED:
                break
            waits.append(row.next_attempt_at - now)
            now = row.next_attempt_at
        assert row.status == OutboxStatus.FAILED and row.attempts == services.MAX_ATTEMPTS
        assert waits == sorted(waits) and waits[0] < waits[-1]


def test_daily_run_is_claimed_once(app):
    today = datetime.now(UTC).date()
    assert services.claim_daily_run("digest", today) is True
    assert services.claim_daily_run("digest", today) is False
    assert services.claim_daily_run("digest", today + timedelta(days=1)) is True
    db.session.commit()
    assert db.session.scalar(select(func.count(ScheduledRun.id))) == 2


def test_worker_once_runs_every_job(make_app):
    with SmtpSink() as sink:
        app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=sink.port)
        runner = app.test_cli_runner()
        with app.app_context():
            world = project_world()
            sub = submit_stage_as_owner(world)
            sub.waiting_since = utcnow() - timedelta(days=10)
            db.session.commit()
        result = runner.invoke(args=["lms", "worker", "--once"])
        assert result.exit_code == 0, result.output
        assert "send-outbox=" in result.output and "purge-sessions=" in result.output
        assert "overdue-digest=2" in result.output
        again = runner.invoke(args=["lms", "worker", "--once"])
        assert "overdue-digest=skipped" in again.output
        with app.app_context():
            digests = db.session.scalars(
                select(Notification).where(Notification.subject.like("Ringkasan%"))
            ).all()
            assert len(digests) == 2  # once a day
        assert sink.messages  # the submission emails went out


def test_one_failing_job_does_not_stop_the_others(app):
    calls = []

    def boom(_app):
        raise RuntimeError("rusak")

    jobs = [worker.Job("boom", boom), worker.Job("ok", lambda _a: calls.append(1) or "done")]
    results = worker.run_jobs(app, jobs)
    assert isinstance(results["boom"], RuntimeError)
    assert results["ok"] == "done" and calls == [1]


def test_mark_read(app):
    user = make_user()
    services.notify(user, "A", "a")
    services.notify(user, "B", "b")
    db.session.commit()
    first = db.session.scalars(services.notifications_for(user)).first()
    services.mark_read(first)
    assert services.unread_count(user) == 1
    assert services.mark_all_read(user) == 1
    assert services.unread_count(user) == 0
