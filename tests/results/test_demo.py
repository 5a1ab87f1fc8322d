"""`flask seed-demo` gives peserta2 a completed course, its JP and a verifiable certificate, once."""

from __future__ import annotations

from sqlalchemy import func, select

from lms.accounts.models import User
from lms.courses.models import Course, CourseCompletion
from lms.extensions import db
from lms.jp.models import JpRecord
from lms.results.models import Certificate, CertificateStatus


def test_seed_demo_gives_peserta2_a_certificate_and_jp_once(app, runner, client, login_as):
    for _ in range(2):
        result = runner.invoke(args=["seed-demo"])
        assert result.exit_code == 0, result.output
    assert "Sertifikat demo peserta2" in result.output
    peserta2 = db.session.scalar(select(User).where(User.username == "peserta2"))
    course = db.session.scalar(select(Course).where(Course.slug == "etika-integritas-asn"))
    assert course.title == "Etika dan Integritas ASN"
    assert db.session.scalar(select(func.count(CourseCompletion.id))) == 1
    assert db.session.scalar(select(func.count(JpRecord.id)).where(JpRecord.user_id == peserta2.id)) == 1
    certs = db.session.scalars(select(Certificate)).all()
    assert len(certs) == 1 and certs[0].user_id == peserta2.id and certs[0].status == CertificateStatus.ISSUED

    page = client.get(f"/verify/{certs[0].code}")
    assert page.status_code == 200 and "Dewi Lestari" in page.get_data(as_text=True)
    login_as(peserta2)
    jp = client.get("/jp").get_data(as_text=True)
    assert "Etika dan Integritas ASN" in jp
