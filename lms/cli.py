"""Command line: `flask lms ...` and `flask seed-demo`. Commands call services, then commit once."""

from __future__ import annotations

import importlib
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import func, inspect, select

from lms import worker
from lms.accounts import demo as accounts_demo
from lms.accounts import services as account_services
from lms.accounts.models import User
from lms.courses import demo as courses_demo
from lms.courses import packages as course_packages
from lms.courses import services as course_services
from lms.courses.models import Course
from lms.errors import DomainError, ImportRejected
from lms.extensions import db
from lms.projects import demo as projects_demo
from lms.quizzes import demo as quizzes_demo
from lms.quizzes import services as quiz_services
from lms.quizzes.question_types import QUESTION_TYPES
from lms.results import demo as results_demo

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


@lms_cli.command("export-course")
@click.argument("slug")
@click.argument("out_file", type=click.Path(dir_okay=False, path_type=Path))
def export_course(slug: str, out_file: Path) -> None:
    """Write a course as a package (course.yaml, Markdown lessons, attachments) to OUT_FILE."""
    course = course_services.course_by_slug(slug)
    if course is None:
        click.echo(f"Kursus dengan slug {slug} tidak ada.", err=True)
        raise SystemExit(1)
    try:
        with out_file.open("wb") as out:
            course_packages.export_course(course, out)
    except DomainError as exc:
        out_file.unlink(missing_ok=True)
        click.echo(exc.message, err=True)
        raise SystemExit(1) from exc
    click.echo(f"Kursus {course.title} diekspor ke {out_file}.")


@lms_cli.command("import-course")
@click.argument("package", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--slug", help="Slug for the new course (when the package's slug is taken).")
@click.option("--keep-status", is_flag=True, help="Keep the package's status (default: import as draft).")
def import_course(package: Path, slug: str | None, keep_status: bool) -> None:
    """Import a course package; a bad package is refused with its files and lines."""
    try:
        with package.open("rb") as source:
            course = course_packages.import_course(source, package.name, slug=slug, keep_status=keep_status)
    except ImportRejected as exc:
        db.session.rollback()
        click.echo(exc.message, err=True)
        for error in exc.errors:
            click.echo(f"  {error}", err=True)
        raise SystemExit(1) from exc
    except DomainError as exc:
        db.session.rollback()
        click.echo(exc.message, err=True)
        raise SystemExit(1) from exc
    db.session.commit()
    click.echo(f"Kursus {course.title} diimpor sebagai /kursus/{course.slug} (status {course.status.value}).")


@lms_cli.command("purge-sessions")
def purge_sessions() -> None:
    """Delete expired login sessions."""
    count = account_services.purge_expired_sessions()
    db.session.commit()
    click.echo(f"{count} sesi kedaluwarsa dihapus.")


@lms_cli.command("import-questions")
@click.argument("question_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--course", "course_slug", required=True, help="Slug kursus tujuan.")
@click.option(
    "--format", "fmt", type=click.Choice(["gift", "aiken"]), default=None, help="Bawaan: dari ekstensi."
)
@click.option("--category", default=None, help="Kategori bila berkas tidak menyebutkan $CATEGORY:.")
def import_questions(question_file: Path, course_slug: str, fmt: str | None, category: str | None) -> None:
    """Import a GIFT or Aiken file into a course's question bank (all or nothing)."""
    course = db.session.scalar(select(Course).where(Course.slug == course_slug))
    if course is None:
        click.echo(f"Kursus dengan slug '{course_slug}' tidak ditemukan.", err=True)
        raise SystemExit(1)
    fmt = fmt or ("aiken" if question_file.suffix.lower() in (".aiken",) else "gift")
    text = question_file.read_bytes().decode("utf-8-sig", errors="replace")
    try:
        summary = quiz_services.import_questions(
            course, text, fmt, filename=question_file.name, category=category
        )
    except ImportRejected as exc:
        db.session.rollback()
        click.echo(exc.message, err=True)
        for error in exc.errors:
            click.echo(f"  {error}", err=True)
        raise SystemExit(1) from exc
    except DomainError as exc:
        db.session.rollback()
        click.echo(exc.message, err=True)
        raise SystemExit(1) from exc
    db.session.commit()
    click.echo(f"{summary.total} soal diimpor ke {course.title}.")
    for key, count in summary.counts.items():
        click.echo(f"  {QUESTION_TYPES[key].label}: {count}")


@lms_cli.command("finish-overdue")
def finish_overdue() -> None:
    """Finish quiz attempts past their deadline plus grace with their saved answers (run every minute)."""
    count = worker.finish_overdue_attempts(current_app._get_current_object())
    click.echo(f"{count} percobaan kuis yang melewati batas waktu diselesaikan.")


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
    courses_demo.seed()
    db.session.commit()
    # Quizzes go into the demo course made by the courses seed (which must run before this line).
    quiz_note = quizzes_demo.seed()
    db.session.commit()
    certificate = results_demo.seed()
    db.session.commit()
    projects_demo.seed()
    db.session.commit()
    click.echo(f"Data demo siap. Akun demo (kata sandi sama untuk semua): {accounts_demo.DEMO_PASSWORD}")
    for username, user in users.items():
        click.echo(f"  {username:10} NIP {user.nip or '-'}  {user.full_name}")
    if quiz_note:
        click.echo(quiz_note)
    if certificate is not None:
        click.echo(f"Sertifikat demo peserta2: {certificate.number}, periksa di {certificate.verify_url}")


def _bench_commands() -> list[click.Command]:
    """``flask lms seed-scale``, the benchmark seeder of bench/scale.py, where the bench/ folder
    is present (a source checkout; a production image may leave it out)."""
    try:
        scale = importlib.import_module("bench.scale")
    except ModuleNotFoundError:
        return []
    return [scale.seed_scale_command]


def register(app: Flask) -> None:
    """Attach the commands to ``app``."""
    for command in _bench_commands():
        lms_cli.add_command(command)
    app.cli.add_command(lms_cli)
    app.cli.add_command(seed_demo)
