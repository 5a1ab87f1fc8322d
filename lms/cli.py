"""Command line: `flask lms ...` and `flask seed-demo`. Commands call services, then commit once."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import func, inspect, select

from lms import worker
from lms.accounts import demo as accounts_demo
from lms.accounts import services as account_services
from lms.accounts.models import User
from lms.errors import ImportRejected
from lms.extensions import db
from lms.projects import demo as projects_demo

lms_cli = AppGroup("lms", help="Pelita administration commands.")


@lms_cli.command("import-users")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_users(csv_file: Path) -> None:
    """Import users from CSV (nip,nama,email,instansi,unit,jabatan,pangkat,roles)."""
    text = csv_file.read_bytes().decode("utf-8-sig", errors="replace")
    try:
        result = account_services.import_users_csv(text, filename=csv_file.name)
    except ImportRejected as exc:
        db.session.rollback()
        click.echo(exc.message, err=True)
        for error in exc.errors:
            click.echo(f"  {error}", err=True)
        raise SystemExit(1) from exc
    db.session.commit()
    click.echo(f"{result.count} akun diimpor.")
    for user, password in result.created:
        click.echo(f"  {user.nip or user.username}\t{user.full_name}\t{password}")


@lms_cli.command("purge-sessions")
def purge_sessions() -> None:
    """Delete expired login sessions."""
    count = account_services.purge_expired_sessions()
    db.session.commit()
    click.echo(f"{count} sesi kedaluwarsa dihapus.")


@lms_cli.command("worker")
@click.option("--interval", default=30.0, show_default=True, help="Seconds between runs of the jobs.")
@click.option("--once", is_flag=True, help="Run the jobs once and exit (tests, cron).")
def run_worker(interval: float, once: bool) -> None:
    """Run periodic jobs: send the email outbox, the daily overdue digest, purge sessions."""
    worker.run_forever(current_app._get_current_object(), interval=interval, once=once, echo=click.echo)


@lms_cli.command("has-data")
def has_data() -> None:
    """Exit 0 when the database already has users (used by `make run` to seed only once)."""
    if not inspect(db.engine).has_table("users"):
        raise SystemExit(1)
    raise SystemExit(0 if db.session.scalar(select(func.count(User.id))) else 1)


@click.command("seed-demo")
@click.option("--force", is_flag=True, help="Allow seeding in production configuration.")
def seed_demo(force: bool) -> None:
    """Create demo accounts and content. Running it twice changes nothing."""
    if current_app.config["ENV_NAME"] == "production" and not force:
        click.echo("Menolak: konfigurasi produksi. Gunakan --force bila memang disengaja.", err=True)
        raise SystemExit(1)
    users = accounts_demo.seed()
    db.session.commit()
    projects_demo.seed()
    db.session.commit()
    click.echo(f"Data demo siap. Akun demo (kata sandi sama untuk semua): {accounts_demo.DEMO_PASSWORD}")
    for username, user in users.items():
        click.echo(f"  {username:10} NIP {user.nip or '-'}  {user.full_name}")


def register(app: Flask) -> None:
    """Attach the commands to ``app``."""
    app.cli.add_command(lms_cli)
    app.cli.add_command(seed_demo)
