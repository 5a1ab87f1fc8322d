"""The baseline for bench/pages.py: a minimal Flask app that reads one row with SQLAlchemy and
renders a small template, served by gunicorn exactly like Pelita.

Run: DATABASE_URL=... gunicorn -w 2 -b 127.0.0.1:5099 bench.baseline_app:app
"""

from __future__ import annotations

import os

from flask import Flask, render_template_string
from sqlalchemy import create_engine, text

TEMPLATE = """<!doctype html><html lang="id"><head><meta charset="utf-8"><title>{{ name }}</title>
</head><body><main><h1>{{ name }}</h1><p>{{ username }}</p></main></body></html>"""

app = Flask(__name__)
_url = os.environ.get("DATABASE_URL", "sqlite:///instance/pelita.sqlite3")
if _url.startswith("postgresql://"):
    _url = "postgresql+psycopg://" + _url[len("postgresql://") :]
engine = create_engine(_url, pool_pre_ping=True)


@app.get("/")
def one_row():
    """Read one row, render a small template."""
    with engine.connect() as conn:
        row = conn.execute(text("SELECT full_name, username FROM users ORDER BY id LIMIT 1")).first()
    return render_template_string(TEMPLATE, name=row[0] if row else "-", username=row[1] if row else "-")
