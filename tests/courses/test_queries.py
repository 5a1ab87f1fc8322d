"""Query bounds: the catalogue, the course outline, the lesson page (and the learner's home and
the admin's participant list) send the same number of SQL statements with 10 and 500 lessons,
and with 2 and 2,000 enrolled learners. Big data is built with bulk INSERTs to stay quick."""

from __future__ import annotations

import pytest

from lms.courses import services
from lms.extensions import db
from tests.factories import (
    bulk_learners,
    bulk_lessons,
    enrol_user,
    make_angkatan,
    make_course,
    make_user,
)

# The counts pinned here (exactly), which must also be the same small and big. They count every
# statement but BEGIN (a statement on SQLite only), so they are the same on both databases, and
# include the test's own reload of the course. The login lookup (session, user, roles and the
# bell's unread count) is one statement; a page that shows completion adds one per registered
# completion requirement (the quizzes feature's "required quizzes"). The course page and the
# lesson page read the course with the learner's enrolment and completion in one statement, and
# the learner's progress in another; my learning reads the learner's courses with their progress
# and the year's JP in one. The lesson page reads the outline once (a sequential
# course's gate is checked on it, so both kinds count the same). A first visit of a text lesson
# writes: it loads the lesson's ORM objects (the page reads plain
# rows), the progress row and the completion check in a write transaction of its own, then the
# learner's progress again since the lesson is now done. Opening the same lesson again only
# reads ("lesson_again"). The course's modules and lessons (and the catalogue's lesson counts)
# are cached per process once read: the counts are those of a cold process (see _measure), a
# warm one sends one statement fewer on the catalogue, outline and lesson pages.
LIMITS = {
    "catalogue": 4,
    "outline": 5,
    "lesson": 15,
    "lesson_again": 5,
    "my_learning": 4,
    "angkatan_admin": 8,  # admins also see the review-queue count
}


def _measure(client, count_queries, urls: dict[str, str]) -> dict[str, int]:
    counts = {}
    for name, url in urls.items():
        db.session.expire_all()
        # The bound is that of a cold process: the course's outline is read, not cached.
        services.clear_course_caches()
        with count_queries() as q:
            response = client.get(url)
        assert response.status_code == 200, (name, url, response.status_code)
        # BEGIN is a statement on SQLite only (the driver sends it on PostgreSQL): not counted.
        counts[name] = sum(1 for st in q.statements if not st.lstrip().upper().startswith("BEGIN"))
    return counts


@pytest.mark.parametrize("sequential", [False, True])
def test_pages_run_the_same_number_of_queries_small_and_big(app, client, login_as, count_queries, sequential):
    learner = make_user()
    admin = make_user(roles=("admin",))
    course = make_course(lessons=10, sequential=sequential, jp=10)
    angkatan = make_angkatan(course=course, enrolment_open=True)
    mentors = [make_user(roles=("mentor",)) for _ in range(6)]
    coaches = [make_user(roles=("coach",)) for _ in range(6)]
    # Two learners, each with their own mentor and coach (a lazy load per row would show).
    enrol_user(learner, angkatan, ndh=1, mentor=mentors[0], coach=coaches[0])
    enrol_user(make_user(), angkatan, ndh=2, mentor=mentors[1], coach=coaches[1])
    for _ in range(3):
        make_course()
    lessons = [lesson.id for lesson in course.modules[0].lessons]
    # The learner has read two lessons: there is progress to show.
    login_as(learner)
    for lesson_id in lessons[:2]:
        client.get(f"/kursus/{course.slug}/pelajaran/{lesson_id}")

    def learner_urls(lesson_id):
        return {
            "catalogue": "/kursus/",
            "outline": f"/kursus/{course.slug}",
            "lesson": f"/kursus/{course.slug}/pelajaran/{lesson_id}",
            # The same lesson again: the visit is on record, so the page only reads.
            "lesson_again": f"/kursus/{course.slug}/pelajaran/{lesson_id}",
            "my_learning": "/belajar",
        }

    small = _measure(client, count_queries, learner_urls(lessons[2]))
    login_as(admin)
    small |= _measure(client, count_queries, {"angkatan_admin": f"/admin/angkatan/{angkatan.id}"})

    # Grow: 500 lessons, 2,000 learners, 40 courses in the catalogue.
    bulk_lessons(course.modules[0], 490)
    bulk_learners(angkatan, 1998, mentors=mentors, coaches=coaches)
    for _ in range(37):
        make_course(commit=False)
    db.session.commit()

    login_as(learner)
    big = _measure(client, count_queries, learner_urls(lessons[3]))
    login_as(admin)
    big |= _measure(client, count_queries, {"angkatan_admin": f"/admin/angkatan/{angkatan.id}"})

    assert big == small, f"query counts grew with the data: small={small} big={big}"
    expected = {name: LIMITS[name] for name in small}
    assert small == expected, "a page's query count changed: update LIMITS if that is intended"
