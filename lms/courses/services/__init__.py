"""Course rules: authoring, publishing, the catalogue, progress, completion and JP, angkatan and
enrolments (by an admin, by CSV, or by the participant). The public entry points of the
feature, re-exported from its modules (``services/<concept>.py``) and from the page read-models
in ``lms.courses.queries``.

Services never touch ``request``, ``session`` or ``current_user``; they add and flush, and the
caller (a view or a CLI command) commits once. Stored files that a change makes obsolete are
returned to the caller, which removes them with :func:`discard_files` after the commit.

Contracts other features rely on:

- :func:`register_completion_requirement` lets a feature (quizzes) add requirements to course
  completion; :func:`check_completion` records a completion once and credits the course's JP once.
- :func:`learner_courses`, :func:`enrolments_of`, :func:`mentees_of`, :func:`coachees_of`.
- :func:`course_by_slug` (the CLI).
"""

from lms.courses.models import COURSE_TRANSITIONS, ENROLMENT_TRANSITIONS
from lms.courses.queries.catalogue import (
    JP_BANDS,
    LESSON_COUNTS_MAX,
    CatalogueCard,
    catalogue_page,
    program_choices,
)
from lms.courses.queries.course_page import course_by_slug, course_page_by_slug, open_angkatan_for
from lms.courses.queries.lesson_page import (
    PageAttachment,
    PageCourse,
    PageLesson,
    PageModule,
    lesson_for_page,
    module_lessons,
    page_lesson,
)
from lms.courses.queries.my_learning import MyAngkatan, MyCourse, my_learning, my_learning_page
from lms.courses.queries.outline import (
    SHAPES_MAX,
    CompletionRef,
    CourseShape,
    LearnerProgress,
    LessonRef,
    ModuleRef,
    Outline,
    OutlineLesson,
    OutlineModule,
    clear_course_caches,
    course_outline,
    course_shape,
    course_shapes,
)
from lms.courses.queries.requirements import (
    CompletionRequirement,
    register_completion_requirement,
    requirements_progress,
    unregister_completion_requirement,
)
from lms.courses.queries.requirements import (
    _completion_requirements as _completion_requirements,  # read by the quizzes' tests
)
from lms.courses.services._common import (
    COVER_MAX_BYTES,
    SLUG_RE,
    CourseError,
    clean_filename,
    discard_files,
    render_body,
    slugify,
    unique_slug,
)
from lms.courses.services.angkatan import (
    AngkatanData,
    admin_angkatan_query,
    angkatan_courses,
    completed_user_ids,
    courses_for_angkatan_choice,
    create_angkatan,
    enrolments_query,
    participant_counts,
    update_angkatan,
)
from lms.courses.services.completion import (
    check_completion,
    completion_of,
    is_course_complete,
    required_lessons_progress,
)
from lms.courses.services.courses import (
    CourseData,
    admin_courses_query,
    change_course_status,
    course_for_authoring,
    create_course,
    delete_course,
    remove_cover,
    update_course,
)
from lms.courses.services.enrolment_csv import (
    ENROLMENT_CSV_COLUMNS,
    EnrolmentImportResult,
    import_enrolments_csv,
)
from lms.courses.services.enrolments import (
    change_enrolment_status,
    coachees_of,
    coachees_query,
    enrol,
    find_person,
    mentees_of,
    mentees_query,
    self_enrol,
    set_surat_tugas,
    update_enrolment,
)
from lms.courses.services.learners import enrolments_of, learner_courses
from lms.courses.services.lessons import (
    LessonData,
    add_attachment,
    add_lesson,
    delete_attachment,
    delete_lesson,
    move_lesson,
    preview_markdown,
    update_lesson,
)
from lms.courses.services.modules import (
    add_module,
    delete_module,
    move_module,
    set_module_published,
    update_module,
)
from lms.courses.services.programs import (
    ProgramData,
    all_programs,
    create_program,
    programs_query,
    update_program,
)
from lms.courses.services.progress import (
    VIEW_REFRESH,
    lesson_state,
    mark_lesson_done,
    record_view,
    view_needs_recording,
)
from lms.courses.services.urls import VideoEmbed, valid_link, video_embed
from lms.storage import Upload
from lms.timezones import local_today

__all__ = [
    "add_attachment",
    "add_lesson",
    "add_module",
    "admin_angkatan_query",
    "admin_courses_query",
    "all_programs",
    "angkatan_courses",
    "AngkatanData",
    "catalogue_page",
    "CatalogueCard",
    "change_course_status",
    "change_enrolment_status",
    "check_completion",
    "clean_filename",
    "clear_course_caches",
    "coachees_of",
    "coachees_query",
    "completed_user_ids",
    "completion_of",
    "CompletionRef",
    "CompletionRequirement",
    "course_by_slug",
    "course_for_authoring",
    "course_outline",
    "course_page_by_slug",
    "course_shape",
    "course_shapes",
    "COURSE_TRANSITIONS",
    "CourseData",
    "CourseError",
    "courses_for_angkatan_choice",
    "CourseShape",
    "COVER_MAX_BYTES",
    "create_angkatan",
    "create_course",
    "create_program",
    "delete_attachment",
    "delete_course",
    "delete_lesson",
    "delete_module",
    "discard_files",
    "enrol",
    "ENROLMENT_CSV_COLUMNS",
    "ENROLMENT_TRANSITIONS",
    "EnrolmentImportResult",
    "enrolments_of",
    "enrolments_query",
    "find_person",
    "import_enrolments_csv",
    "is_course_complete",
    "JP_BANDS",
    "learner_courses",
    "LearnerProgress",
    "LESSON_COUNTS_MAX",
    "lesson_for_page",
    "lesson_state",
    "LessonData",
    "LessonRef",
    "local_today",
    "mark_lesson_done",
    "mentees_of",
    "mentees_query",
    "module_lessons",
    "ModuleRef",
    "move_lesson",
    "move_module",
    "my_learning",
    "my_learning_page",
    "MyAngkatan",
    "MyCourse",
    "open_angkatan_for",
    "Outline",
    "OutlineLesson",
    "OutlineModule",
    "page_lesson",
    "PageAttachment",
    "PageCourse",
    "PageLesson",
    "PageModule",
    "participant_counts",
    "preview_markdown",
    "program_choices",
    "ProgramData",
    "programs_query",
    "record_view",
    "register_completion_requirement",
    "remove_cover",
    "render_body",
    "required_lessons_progress",
    "requirements_progress",
    "self_enrol",
    "set_module_published",
    "set_surat_tugas",
    "SHAPES_MAX",
    "SLUG_RE",
    "slugify",
    "unique_slug",
    "unregister_completion_requirement",
    "update_angkatan",
    "update_course",
    "update_enrolment",
    "update_lesson",
    "update_module",
    "update_program",
    "Upload",
    "valid_link",
    "video_embed",
    "VideoEmbed",
    "view_needs_recording",
    "VIEW_REFRESH",
]
