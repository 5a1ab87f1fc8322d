"""Read-models of the projects pages and their cached statements (no state changes here).

- ``review_queue``: the reviewer's queue (summary, page, the two in one statement, the badge's
  count, the next item); statements built once per process.
- ``overview``: the admin overview's rows (angkatan, enrolments, the participants x stages
  matrix, decisions owed per reviewer).
- ``catalogue``: the catalogue of past projects.
- ``home``: the projects home page (my projects, the projects I guide or examine).
- ``seminars``: the seminar lists (an angkatan's sessions, the penguji, my sessions).
- ``audit``: the audit log page's query.

Queries import models and permissions (and each other), never services; services and views
read them. The services package re-exports them, so ``services.queue_overview`` keeps working.
"""
