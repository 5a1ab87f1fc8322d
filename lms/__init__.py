"""Pelita: the application factory.

``create_app(overrides)`` reads the configuration, binds the extensions, registers the blueprints,
the error pages, the template helpers, security headers and the CLI.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, g, has_request_context, jsonify, session
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import text

from lms import cli, database, errors, i18n, layout, security
from lms.accounts import nip as nip_rules
from lms.accounts import services as account_services
from lms.accounts.admin_views import bp as accounts_admin_bp
from lms.accounts.views import bp as accounts_bp
from lms.config import ROOT, build_config
from lms.courses.admin import bp as courses_admin_bp
from lms.courses.views import bp as courses_bp
from lms.extensions import babel, csrf, db, limiter, login_manager, migrate
from lms.markdown import markdown_filter
from lms.notifications import services as notification_services
from lms.notifications.views import bp as notifications_bp
from lms.projects import results_sources as project_results_sources
from lms.projects.admin_views import bp as projects_admin_bp
from lms.projects.review_views import bp as reviews_bp
from lms.projects.views import bp as projects_bp
from lms.quizzes import results_sources as quiz_results_sources
from lms.quizzes import services as quiz_services
from lms.quizzes.admin_views import bp as quizzes_admin_bp
from lms.quizzes.views import bp as quizzes_bp
from lms.results.admin import bp as results_admin_bp
from lms.results.views import bp as results_bp

__all__ = ["create_app"]


def create_app(overrides: dict | None = None) -> Flask:
    """Build a Pelita application. ``overrides`` wins over the environment (used by tests)."""
    config = build_config(overrides)
    app = Flask(
        __name__,
        instance_path=config["INSTANCE_PATH"],
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.update(config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    _init_extensions(app)
    _register_blueprints(app)
    errors.register_error_handlers(app)
    security.register(app)
    _register_template_helpers(app)
    cli.register(app)

    @app.get("/healthz")
    @limiter.exempt
    def healthz():
        """Liveness and database check for load balancers and monitoring."""
        try:
            db.session.execute(text("SELECT 1"))
            db.session.rollback()
        except Exception:  # noqa: BLE001 - any failure means the database is unusable
            db.session.rollback()
            return jsonify({"status": "error", "database": "error"}), 503
        return jsonify({"status": "ok", "database": "ok"})

    return app


def _init_extensions(app: Flask) -> None:
    database.register(app)  # before db.init_app: its teardown must run after the session's
    db.init_app(app)
    database.register_after_session(app)  # commits read-only transactions before the close
    with app.app_context():
        database.configure_engine(
            db.engine,
            writer_gate=app.config["SQLITE_WRITER_GATE"],
            ping_idle_seconds=app.config["PG_PING_IDLE_SECONDS"],
        )
    migrate.init_app(
        app,
        db,
        directory=str(ROOT / "migrations"),
        render_as_batch=True,
        compare_type=True,
        render_item=database.render_item,
    )
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(
        app,
        locale_selector=_select_locale,
        timezone_selector=_select_timezone,
        default_translation_directories=str(ROOT / "lms" / "translations"),
    )

    i18n.install_template_gettext(app)

    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None  # the login page itself says why
    login_manager.session_protection = None  # server-side sessions below do the job

    @login_manager.user_loader
    def _load_user(token: str):
        return account_services.load_session_user(token)


def _select_locale() -> str:
    if not has_request_context():
        return "id"  # CLI, worker: Indonesian messages
    if current_user and getattr(current_user, "is_authenticated", False):
        return current_user.language
    lang = session.get("lang")
    if lang in ("id", "en"):
        return lang
    # Bahasa Indonesia by default, whatever the browser says; English is a choice.
    return "id"


def _select_timezone() -> str:
    if not has_request_context():
        return "Asia/Jakarta"
    if current_user and getattr(current_user, "is_authenticated", False):
        return current_user.timezone
    return "Asia/Jakarta"


def _register_blueprints(app: Flask) -> None:
    app.register_blueprint(accounts_bp)
    app.register_blueprint(accounts_admin_bp)
    app.register_blueprint(courses_bp)
    app.register_blueprint(courses_admin_bp)
    app.register_blueprint(quizzes_bp)
    app.register_blueprint(quizzes_admin_bp)
    quiz_services.register_with_courses()
    quiz_results_sources.register_with_results()
    project_results_sources.register_with_results()
    notification_services.register_with_accounts()
    app.register_blueprint(results_bp)
    app.register_blueprint(results_admin_bp)
    app.register_blueprint(projects_bp)
    app.register_blueprint(projects_admin_bp)
    app.register_blueprint(reviews_bp)
    app.register_blueprint(notifications_bp)


def _register_template_helpers(app: Flask) -> None:
    app.add_template_filter(markdown_filter, "markdown")
    app.add_template_filter(nip_rules.mask, "mask_nip")
    app.add_template_filter(nip_rules.pretty, "pretty_nip")

    def _dt(value, fmt="medium"):
        """Format a UTC datetime in the viewer's zone, with WIB/WITA/WIT."""
        if value is None:
            return ""
        zone = getattr(current_user, "tz_label", "WIB") if current_user else "WIB"
        return f"{i18n.format_datetime(value, fmt)} {zone}"

    app.add_template_filter(_dt, "dt")
    layout.register(app)
    # Flask-Babel's filter of the same name, with the locale lookups done once (lms/i18n.py).
    app.add_template_filter(i18n.format_date, "dateformat")
    app.add_template_global(get_locale, "get_locale")  # <html lang> names the page's language

    @app.context_processor
    def _globals():
        return {"csp_nonce": getattr(g, "csp_nonce", "")}
