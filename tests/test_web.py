"""The shared web layer (lms/web.py): role gates, running a service from a view, uploads and
downloads, the confirm form."""

from __future__ import annotations

import io

import pytest
from flask import get_flashed_messages
from flask_wtf import FlaskForm
from werkzeug.datastructures import FileStorage
from wtforms import StringField

from lms import storage, web
from lms.accounts import services as account_services
from lms.accounts.models import Role, User
from lms.errors import DomainError, ImportRejected, LineError, StaleEdit
from lms.extensions import db
from tests.factories.accounts import admin_user, make_user


class _TwoFields(FlaskForm):
    username = StringField()
    password = StringField()


def _gated_app(make_app):
    application = make_app()

    @application.get("/_gated")
    @web.admin_required
    def gated():
        return "inside"

    @application.get("/_not_admin")
    @web.role_required(lambda user: not user.has_role(Role.ADMIN))
    def not_admin():
        return "bukan admin"

    return application


def test_admin_required_answers_404_to_everyone_but_admins(make_app):
    application = _gated_app(make_app)
    client = application.test_client()
    with application.app_context():
        admin, learner = admin_user(), make_user()
        db.session.commit()
        admin_token = _session_token(application, admin)
        learner_token = _session_token(application, learner)
    assert client.get("/_gated").status_code == 302  # to the login page
    _use_session(client, learner_token)
    assert client.get("/_gated").status_code == 404
    assert client.get("/_not_admin").status_code == 200
    _use_session(client, admin_token)
    response = client.get("/_gated")
    assert response.status_code == 200 and response.text == "inside"
    assert client.get("/_not_admin").status_code == 404


def _session_token(application, user: User) -> str:
    token = account_services.start_session(user, application.config["PERMANENT_SESSION_LIFETIME"])
    db.session.commit()
    return token


def _use_session(client, token: str) -> None:
    with client.session_transaction() as sess:
        sess.clear()
        sess["_user_id"] = token
        sess["_fresh"] = True


def test_is_admin_is_false_for_nobody_and_anonymous(app):
    assert web.is_admin(None) is False
    learner = make_user()
    db.session.flush()
    assert web.is_admin(learner) is False
    assert web.is_admin(admin_user()) is True


def test_run_service_commits_once_on_success_and_flashes(app):
    with app.test_request_context("/"):
        user = make_user(full_name="Sebelum")
        db.session.commit()

        def rename():
            user.full_name = "Sesudah"
            db.session.flush()
            return user.id

        outcome = web.run_service(rename, success="Disimpan.")
        assert outcome and outcome.value == user.id
        assert get_flashed_messages(with_categories=True) == [("success", "Disimpan.")]
        db.session.rollback()  # nothing left to roll back: it was committed
        assert db.session.get(User, user.id).full_name == "Sesudah"


def test_run_service_rolls_back_and_puts_the_message_on_the_field(app):
    with app.test_request_context("/", method="POST"):
        user = make_user(full_name="Tetap")
        db.session.commit()
        form = _TwoFields(meta={"csrf": False})

        def broken():
            user.full_name = "Berubah"
            db.session.flush()
            raise DomainError("Aturan dilanggar.")

        outcome = web.run_service(broken, form=form, field=form.username)
        assert not outcome and outcome.error.message == "Aturan dilanggar."
        assert form.username.errors == ["Aturan dilanggar."]
        assert get_flashed_messages() == []
        assert db.session.get(User, user.id).full_name == "Tetap"

        outcome = web.run_service(broken, form=form, fields={StaleEdit: form.password})
        assert form.form_errors == ["Aturan dilanggar."]  # not a StaleEdit: top of the form

        web.run_service(
            lambda: (_ for _ in ()).throw(StaleEdit()), form=form, fields={StaleEdit: form.password}
        )
        assert form.password.errors and "diubah orang lain" in form.password.errors[0]


def test_run_service_without_a_form_flashes_and_keeps_import_lines(app):
    with app.test_request_context("/"):
        errors = [LineError(3, "NIP tidak valid", "peserta.csv")]

        def refuse():
            raise ImportRejected(errors)

        outcome = web.run_service(refuse)
        assert not outcome
        assert outcome.line_errors == errors
        (category, message), *_ = get_flashed_messages(with_categories=True)
        assert category == "error" and "1 kesalahan" in message


def test_upload_helpers_and_uploaded_text():
    stream = FileStorage(io.BytesIO(b"x"), filename="a.pdf")
    assert web.upload_of(type("Field", (), {"data": stream})()) == storage.Upload(stream.stream, "a.pdf")
    assert web.upload_of(type("Field", (), {"data": FileStorage(io.BytesIO(b""), filename="")})()) is None
    assert [u.filename for u in web.uploads_of([stream, None, FileStorage(io.BytesIO(), filename="")])] == [
        "a.pdf"
    ]
    assert web.uploaded_text(io.BytesIO("\ufeffnip;nama\n1;Dewi Ayu".encode())) == "nip;nama\n1;Dewi Ayu"
    assert web.uploaded_text(io.BytesIO("Müller".encode("cp1252"))) == "Müller"


def test_send_stored_answers_404_for_a_missing_file_and_serves_a_private_one(app):
    with app.test_request_context("/"):
        with pytest.raises(Exception) as missing:
            web.send_stored("tidak-ada", "x.pdf", "application/pdf")
        assert getattr(missing.value, "code", None) == 404
        stored = storage.save(io.BytesIO(b"%PDF-1.4\n%%EOF\n"), storage.DOCUMENT_KINDS)
        response = web.send_stored(stored.key, "laporan.pdf", stored.mime, inline=True, private=True)
        response.direct_passthrough = False
        assert response.status_code == 200 and response.get_data().startswith(b"%PDF")
        assert response.headers["Cache-Control"] == "private, no-store"
        assert "default-src 'none'" in response.headers["Content-Security-Policy"]
        storage.delete(stored.key)


def test_send_bytes_names_the_download(app):
    with app.test_request_context("/"):
        response = web.send_bytes("a,b\n", 'data"x.csv', "text/csv")
        assert response.get_data() == b"a,b\n"
        assert response.headers["Content-Disposition"] == 'attachment; filename="datax.csv"'
