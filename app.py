"""Entry point: the WSGI application for gunicorn and the `flask` command."""

from lms import create_app

app = create_app()
