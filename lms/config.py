"""Configuration: defaults, then the environment (DATABASE_URL, SECRET_KEY, LMS_*), then overrides.

Production is any run where ``LMS_ENV=production`` (or ``FLASK_ENV=production``). There the app
refuses to start without a SECRET_KEY; in development a random key is generated once and kept in
``instance/secret_key`` so sessions survive restarts.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"


class ConfigError(RuntimeError):
    """The configuration cannot be used (for example no SECRET_KEY in production)."""


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _database_url(raw: str | None, instance: Path) -> str:
    if not raw:
        return f"sqlite:///{instance / 'pelita.sqlite3'}"
    # Accept the postgres:// and postgresql:// forms that hosting panels hand out.
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix) :]
    return raw


def _dev_secret_key(instance: Path) -> str:
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


def build_config(overrides: dict | None = None, environ: dict | None = None) -> dict:
    """Return the configuration dict for one app instance."""
    env = os.environ if environ is None else environ
    overrides = overrides or {}
    instance = Path(overrides.get("INSTANCE_PATH") or env.get("LMS_INSTANCE_PATH") or INSTANCE)
    production = (env.get("LMS_ENV") or env.get("FLASK_ENV") or "development") == "production"

    cfg: dict = {
        "ENV_NAME": "production" if production else "development",
        "INSTANCE_PATH": str(instance),
        "SQLALCHEMY_DATABASE_URI": _database_url(env.get("DATABASE_URL"), instance),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SQLALCHEMY_TRACK_MODIFICATIONS": False,
        # SQLite writers queue at a file lock next to the database (lms/database.py); turn it
        # off only where flock does not work (a network filesystem).
        "SQLITE_WRITER_GATE": env.get("LMS_SQLITE_WRITER_GATE", "1") not in ("0", "false", "no"),
        # PostgreSQL: a pooled connection idle longer than this is checked before use (lms.database).
        "PG_PING_IDLE_SECONDS": float(env.get("LMS_PG_PING_IDLE_SECONDS", "10")),
        # Uploads live outside static/, under random names, served only through views.
        "UPLOAD_FOLDER": env.get("LMS_UPLOAD_FOLDER") or str(instance / "uploads"),
        "MAX_CONTENT_LENGTH": int(env.get("LMS_MAX_UPLOAD_MB", "20")) * 1024 * 1024,
        # Markdown sources longer than this are refused with a message (not truncated).
        "MARKDOWN_MAX_CHARS": int(env.get("LMS_MARKDOWN_MAX_CHARS", "200000")),
        # Sessions: long enough for a 150-minute exam plus margin.
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=int(env.get("LMS_SESSION_HOURS", "12"))),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool(env.get("LMS_SECURE_COOKIES"), production),
        "SESSION_COOKIE_NAME": "pelita_session",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # CSRF tokens live as long as the session, so a long exam form still submits.
        "WTF_CSRF_TIME_LIMIT": int(env.get("LMS_CSRF_SECONDS", str(12 * 3600))),
        "WTF_CSRF_SSL_STRICT": True,
        "RATELIMIT_STORAGE_URI": env.get("LMS_RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_HEADERS_ENABLED": False,
        "LOGIN_LIMIT": env.get("LMS_LOGIN_LIMIT", "10 per minute"),
        "BABEL_DEFAULT_LOCALE": "id",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Jakarta",
        "LANGUAGES": ["id", "en"],
        "MAIL_SERVER": env.get("LMS_SMTP_HOST", "127.0.0.1"),
        "MAIL_PORT": int(env.get("LMS_SMTP_PORT", "25")),
        "MAIL_USERNAME": env.get("LMS_SMTP_USER", ""),
        "MAIL_PASSWORD": env.get("LMS_SMTP_PASSWORD", ""),
        "MAIL_USE_TLS": _bool(env.get("LMS_SMTP_STARTTLS")),
        "MAIL_SENDER": env.get("LMS_MAIL_SENDER", "pelita@localhost"),
        "INSTITUTION_NAME": env.get("LMS_INSTITUTION_NAME", "BPSDM Provinsi Demo"),
        "PUBLIC_BASE_URL": env.get("LMS_PUBLIC_BASE_URL", ""),
        "PER_PAGE": 25,
        # A submission waiting this many days for a reviewer is marked overdue (queues, digest).
        "REVIEW_OVERDUE_DAYS": int(env.get("LMS_REVIEW_OVERDUE_DAYS", "5")),
        # How old a stored dashboard snapshot may be before a page view recomputes it.
        "DASHBOARD_MAX_AGE_SECONDS": int(env.get("LMS_DASHBOARD_MAX_AGE_SECONDS", "300")),
        "SEND_FILE_MAX_AGE_DEFAULT": 3600,
        # Frames allowed for lesson videos (YouTube privacy mode and Vimeo).
        "CSP_FRAME_SRC": env.get(
            "LMS_CSP_FRAME_SRC", "https://www.youtube-nocookie.com https://player.vimeo.com"
        ),
        "TESTING": False,
    }
    if production:
        cfg["SQLALCHEMY_ENGINE_OPTIONS"]["pool_recycle"] = 1800
    cfg.update(overrides)
    _tune_engine(cfg, env)

    secret = overrides.get("SECRET_KEY") or env.get("SECRET_KEY")
    if not secret:
        if production:
            raise ConfigError(
                "SECRET_KEY belum diatur. Atur variabel lingkungan SECRET_KEY sebelum menjalankan "
                "Pelita di produksi (SECRET_KEY is not set; refusing to start in production)."
            )
        secret = _dev_secret_key(instance)
    cfg["SECRET_KEY"] = secret
    return cfg


def _tune_engine(cfg: dict, env) -> None:
    """Per-database engine options.

    SQLite: no pre-ping (a file does not drop connections; the ping is a round trip per request).
    PostgreSQL: no pre-ping on every checkout either: a connection idle longer than
    ``LMS_PG_PING_IDLE_SECONDS`` is checked instead (``lms.database``), and one that fails in use
    answers 503 and is replaced. psycopg prepares a statement after ``LMS_PG_PREPARE_THRESHOLD``
    runs on a connection (5; ``off`` for a pooler that cannot keep prepared statements), and
    PostgreSQL then plans it once (its ``plan_cache_mode=auto``) instead of on every run: planning
    was most of the server's work per page. Statements whose best plan depends on the values (the
    angkatan dashboard's aggregates: one angkatan of 490 against one of 20) carry them as literals
    (``lms.models_base.inline``). ``LMS_PG_OPTIONS`` passes startup options, e.g.
    ``-c plan_cache_mode=force_custom_plan`` to plan every run again.
    """
    options = dict(cfg.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    uri = str(cfg.get("SQLALCHEMY_DATABASE_URI", ""))
    if uri.startswith(("sqlite", "postgresql")):
        options["pool_pre_ping"] = False
    if uri.startswith("postgresql"):
        connect_args = dict(options.get("connect_args") or {})
        pg_options = env.get("LMS_PG_OPTIONS", "")
        if pg_options:
            connect_args.setdefault("options", pg_options)
        threshold = env.get("LMS_PG_PREPARE_THRESHOLD", "5").strip().lower()
        if threshold in ("off", "none", "0", "false", "no"):
            connect_args.setdefault("prepare_threshold", None)
        else:
            try:
                connect_args.setdefault("prepare_threshold", max(1, int(threshold)))
            except ValueError:
                raise ConfigError(
                    f"LMS_PG_PREPARE_THRESHOLD harus bilangan bulat atau 'off', bukan {threshold!r}."
                ) from None
        if connect_args:
            options["connect_args"] = connect_args
    cfg["SQLALCHEMY_ENGINE_OPTIONS"] = options
