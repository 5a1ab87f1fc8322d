"""Factory functions for tests: ``from tests.factories import make_user, ...``.

Each feature keeps its factories in its own module here; this package re-exports them all.
"""

from tests.factories.accounts import *  # noqa: F403
from tests.factories.courses import *  # noqa: F403
from tests.factories.projects import *  # noqa: F403
from tests.factories.quizzes import *  # noqa: F403
from tests.factories.results import *  # noqa: F403
