"""Course read-models for pages and lists, and the cached statements behind them.

One module per page: ``catalogue`` (course cards and their lesson counts), ``course_page``,
``outline`` (a course's cached shape and a learner's outline of it), ``lesson_page``,
``my_learning`` ("Pembelajaran Saya"), ``jp`` (a person's yearly JP), ``requirements`` (the
registry of extra completion requirements, which are reads). Queries import models and
permissions, never services; ``lms.courses.services`` re-exports what views and other features
call.
"""
