"""The catalogue's search read without building its form agrees with the form itself."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from lms.courses.forms import CatalogueSearchForm, options, read_catalogue_search

PROGRAMS = [(3, "PKP"), (7, "Latsar")]
QUERIES = [
    {},
    {"q": ""},
    {"q": "pelayanan"},
    {"q": "x" * 100},
    {"q": "x" * 101},
    {"program": ""},
    {"program": "3"},
    {"program": "0"},
    {"program": "9"},
    {"program": "abc"},
    {"jp": ""},
    {"jp": "41+"},
    {"jp": "salah"},
    {"open_only": "y"},
    {"open_only": "false"},
    {"open_only": ""},
    {"q": "x" * 120, "program": "9", "jp": "1-10", "open_only": "1"},
]


@pytest.mark.parametrize("query", QUERIES)
def test_reading_the_search_matches_the_form(app, query):
    args = MultiDict(query)
    search, errors = read_catalogue_search(args, PROGRAMS)
    with app.test_request_context("/kursus/"):
        form = CatalogueSearchForm(args)
        form.program.choices = options([(None, "Semua program"), *PROGRAMS])
        form.validate()
    assert search.q == form.q.data
    assert search.program == form.program.data
    assert search.jp == form.jp.data
    assert search.open_only == bool(form.open_only.data)
    assert errors == form.errors
