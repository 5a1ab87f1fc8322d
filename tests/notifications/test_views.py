"""Notification pages: the list behind the bell, mark read; nobody sees another's notices."""

from __future__ import annotations

from lms.extensions import db
from lms.notifications import services
from tests.factories import make_user


def test_bell_and_list(app, client, login_as):
    user = make_user()
    services.notify(user, "Keputusan Rancangan: perlu revisi", "Perjelas data.", "/proyek/1")
    db.session.commit()
    login_as(user)
    home = client.get("/")
    assert home.status_code == 200
    assert 'class="badge">1' in home.get_data(as_text=True)
    page = client.get("/notifikasi/")
    assert page.status_code == 200
    assert "Keputusan Rancangan: perlu revisi" in page.get_data(as_text=True)


def test_read_redirects_to_target_and_clears_badge(app, client, login_as):
    user = make_user()
    note = services.notify(user, "Halo", "Isi", "/proyek/9")
    db.session.commit()
    login_as(user)
    resp = client.post(f"/notifikasi/{note.id}/baca")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/proyek/9")
    assert services.unread_count(user) == 0


def test_other_users_notification_is_404(app, client, login_as):
    owner, other = make_user(), make_user()
    note = services.notify(owner, "Rahasia", "Isi rahasia")
    db.session.commit()
    login_as(other)
    resp = client.post(f"/notifikasi/{note.id}/baca")
    assert resp.status_code == 404
    assert "Rahasia" not in resp.get_data(as_text=True)
    assert "Rahasia" not in client.get("/notifikasi/").get_data(as_text=True)


def test_read_all(app, client, login_as):
    user = make_user()
    services.notify(user, "A", "a")
    services.notify(user, "B", "b")
    db.session.commit()
    login_as(user)
    assert client.post("/notifikasi/baca-semua").status_code == 302
    assert services.unread_count(user) == 0


def test_external_url_is_not_followed(app, client, login_as):
    user = make_user()
    note = services.notify(user, "Halo", "Isi", "https://jahat.example/")
    db.session.commit()
    login_as(user)
    resp = client.post(f"/notifikasi/{note.id}/baca")
    assert resp.headers["Location"].endswith("/notifikasi/")
