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


def test_bell_count_comes_with_the_login_lookup(app, client, login_as, count_queries):
    """The home page of a learner sends one statement: session, user, roles and bell together."""
    user = make_user()
    for n in range(3):
        services.notify(user, f"Pesan {n}", "Isi", "/")
    db.session.commit()
    login_as(user)
    client.get("/")
    with count_queries() as q:
        home = client.get("/")
    assert 'class="badge">3' in home.get_data(as_text=True)
    selects = [s for s in q.statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 1, selects
    assert "notifications" in selects[0] and "user_roles" in selects[0]


def test_bell_count_is_recounted_after_a_change_in_the_same_transaction(app):
    """A count loaded with the session is not reused once notifications change in the request."""
    user = make_user()
    services.notify(user, "Satu", "Isi", "/")
    db.session.commit()
    db.session.info.clear()  # a new request's session starts with nothing changed
    user._session_extras = {"unread_notifications": 7}  # what a login lookup would have loaded
    assert services.unread_count(user) == 7  # used as loaded: no query
    services.mark_all_read(user)
    assert services.unread_count(user) == 0
