"""State-changing results forms need the CSRF token (tests switch it on here)."""

from __future__ import annotations

from tests.factories import admin_user, make_results_angkatan


def test_posts_without_a_token_are_refused(make_app, login_as):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        angkatan = make_results_angkatan()
        admin = admin_user()
        client = app.test_client()
        login_as(admin, on=client)
        assert client.post(f"/admin/hasil/angkatan/{angkatan.id}/terbitkan").status_code == 400
        assert (
            client.post(
                "/admin/hasil/target-jp", data={"employee_class": "PNS", "target_jp": "5"}
            ).status_code
            == 400
        )
