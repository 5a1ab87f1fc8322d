"""The fault runs that need the projects feature (called by bench/faults.py): the upload folder
full, and the SMTP server down while reviews are decided. Both drive the real pages over HTTP
(gunicorn as `make run` serves it) on a fresh SQLite database seeded with `flask seed-demo`."""

from __future__ import annotations

import re
import socketserver
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from bench.common import ROOT, flask, free_port, login_cookie, serve, sqlalchemy_url
from lms import create_app
from lms.accounts.models import User
from lms.courses.models import Angkatan, Enrolment
from lms.extensions import db
from lms.models_base import utcnow
from lms.notifications.models import OutboxEmail, OutboxStatus
from lms.projects import demo as project_demo
from lms.projects import services as project_services
from lms.projects.models import Review, StageSubmission, SubmissionFile

DEMO_PASSWORD = "pelita-demo-2026"  # noqa: S105 - the published demo password
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
VERSION_RE = re.compile(r'name="version"[^>]*value="(\d*)"|value="(\d*)"[^>]*name="version"')


def _fresh_demo_database(name: str) -> str:
    folder = ROOT / "instance" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    flask(["db", "upgrade"], url)
    flask(["seed-demo"], url)
    return url


def _app(url: str, **overrides):
    return create_app({"SQLALCHEMY_DATABASE_URI": sqlalchemy_url(url), **overrides})


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _http(method: str, url: str, cookie: str, body: bytes | None = None, content_type: str | None = None):
    headers = {"Cookie": cookie}
    if content_type:
        headers["Content-Type"] = content_type
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=60) as r:  # noqa: S310 - loopback only
            return r.status, r.read().decode(errors="replace"), r.headers
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace"), exc.headers


def _multipart(fields: list[tuple[str, str]], files: list[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    for name, filename, data in files:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: application/pdf\r\n\r\n".encode()
            + data
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


# --------------------------------------------------------------------------- upload folder full


def upload_full(_database_url: str, full_tmpfs) -> tuple[bool, str]:
    """peserta2 starts a project and uploads two documents into a full upload folder."""
    url = _fresh_demo_database("faults-upload.sqlite3")
    app = _app(url)
    with app.app_context():
        peserta = db.session.scalar(select(User).where(User.username == "peserta2"))
        enrolment = db.session.scalar(
            select(Enrolment)
            .join(Angkatan)
            .where(Enrolment.user_id == peserta.id, Angkatan.name == project_demo.ANGKATAN_NAME)
        )
        project = project_services.project_of(enrolment) or project_services.start_project(
            enrolment, project_services.ProjectData(title="Uji folder unggahan penuh"), by=peserta
        )
        stage = project_services.project_stages(project)[0].stage
        db.session.commit()
        project_id, stage_id = project.id, stage.id
        files_before = db.session.scalar(select(func.max(SubmissionFile.id))) or 0
        db.session.remove()
    small = project_demo.demo_pdf("Lampiran kecil") + b"%" + b"0" * 20_000 + b"\n"
    large = project_demo.demo_pdf("Laporan besar") + b"%" + b"0" * 400_000 + b"\n"
    text_typed = "Rancangan aksi perubahan: uji ruang penyimpanan penuh."
    problems: list[str] = []
    with full_tmpfs(1024, leave_kb=64) as folder:
        before = {p.name for p in folder.iterdir()}
        with serve("app:app", {"DATABASE_URL": url, "LMS_UPLOAD_FOLDER": str(folder)}) as (base, _proc):
            cookie = login_cookie(base, "peserta2", DEMO_PASSWORD)
            page = f"{base}/proyek/{project_id}/tahap/{stage_id}"
            status, html, _h = _http("GET", page, cookie)
            token = CSRF_RE.search(html)
            version = VERSION_RE.search(html)
            if status != 200 or not token:
                return False, f"stage page answered {status} without a form"
            fields = [("csrf_token", token.group(1)), ("body", text_typed), ("save", "Simpan draf")]
            if version:
                fields.append(("version", version.group(1) or version.group(2) or ""))
            body, ctype = _multipart(fields, [("files", "kecil.pdf", small), ("files", "besar.pdf", large)])
            status, html, _h = _http("POST", page, cookie, body, ctype)
        after = {p.name for p in folder.iterdir()}
    message = re.search(r"ruang penyimpanan[^<]*penuh[^<]*", html)
    if status == 302:
        problems.append("the upload was accepted (302) although the folder is full")
    elif status >= 500:
        problems.append(f"the server answered {status}")
    if not message:
        problems.append("no message about the full storage on the page")
    if text_typed not in html:
        problems.append("the text the participant typed is not on the re-rendered form")
    leftovers = sorted(after - before)
    if leftovers:
        problems.append(f"files left in the upload folder: {leftovers}")
    with app.app_context():
        new_rows = db.session.scalars(select(SubmissionFile).where(SubmissionFile.id > files_before)).all()
        if new_rows:
            problems.append(f"{len(new_rows)} file rows created ({[r.storage_key for r in new_rows]})")
        db.session.remove()
    detail = (
        f"1 MB tmpfs with 64 KB free; two PDFs (20 KB, 400 KB) sent: HTTP {status}, "
        f"message: {message.group(0).strip()!r}"
        if message
        else f"HTTP {status}"
    )
    return not problems, detail + ("; " + "; ".join(problems) if problems else "; no partial file, no row")


# --------------------------------------------------------------------------- SMTP down


class _SmtpSink(socketserver.ThreadingTCPServer):
    """A minimal SMTP server on 127.0.0.1 that keeps every message it receives."""

    allow_reuse_address = True
    daemon_threads = True

    def __init__(self, port: int):
        self.messages: list[bytes] = []
        super().__init__(("127.0.0.1", port), _SmtpHandler)


class _SmtpHandler(socketserver.StreamRequestHandler):
    def handle(self):
        self.wfile.write(b"220 sink ESMTP\r\n")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                self.wfile.write(b"250 sink\r\n")
            elif verb == b"DATA":
                self.wfile.write(b"354 go on\r\n")
                data = []
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data.append(chunk)
                self.server.messages.append(b"".join(data))
                self.wfile.write(b"250 queued\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:  # MAIL, RCPT, RSET, NOOP
                self.wfile.write(b"250 ok\r\n")


def _decide_over_http(base: str, username: str) -> list[str]:
    """Log in as ``username`` and approve every submission waiting in their queue."""
    cookie = login_cookie(base, username, DEMO_PASSWORD)
    status, html, _h = _http("GET", f"{base}/reviews/", cookie)
    ids = sorted({int(x) for x in re.findall(r'href="/reviews/(\d+)"', html)})
    problems = []
    if not ids:
        problems.append(f"{username}: empty queue")
    for submission_id in ids:
        status, html, _h = _http("GET", f"{base}/reviews/{submission_id}", cookie)
        token = CSRF_RE.search(html)
        version = VERSION_RE.search(html)
        fields = [("csrf_token", token.group(1) if token else ""), ("decision", "approve")]
        fields.append(("comment", f"Disetujui oleh {username} saat SMTP mati."))
        if version:
            fields.append(("version", version.group(1) or version.group(2) or ""))
        for name, high in re.findall(r'<input[^>]*name="([^"]+)"[^>]*type="number"[^>]*max="(\d+)"', html):
            fields.append((name, str(int(high) * 8 // 10)))
        body = urllib.parse.urlencode(fields).encode()
        status, html, _h = _http(
            "POST",
            f"{base}/reviews/{submission_id}/keputusan",
            cookie,
            body,
            "application/x-www-form-urlencoded",
        )
        if status != 302:
            problems.append(f"{username}: decision on {submission_id} answered {status}")
    return problems


def smtp_down(_database_url: str) -> tuple[bool, str]:
    """The mentor and the coach decide while SMTP is down; the worker sends the mails later."""
    url = _fresh_demo_database("faults-smtp.sqlite3")
    dead_port = free_port()  # nothing listens there
    env = {"DATABASE_URL": url, "LMS_SMTP_HOST": "127.0.0.1", "LMS_SMTP_PORT": str(dead_port)}
    app = _app(url)
    with app.app_context():
        outbox_before = db.session.scalar(select(func.max(OutboxEmail.id))) or 0
        db.session.remove()
    problems: list[str] = []
    with serve("app:app", env) as (base, _proc):
        for reviewer in ("mentor", "coach"):
            problems += _decide_over_http(base, reviewer)
    # The worker runs while SMTP is still down: every mail stays in the outbox with its error.
    down = flask(["lms", "worker", "--once"], url, check=False, env_extra=env)
    with app.app_context():
        reviews = db.session.scalar(select(func.count(Review.id)))
        approved = db.session.scalar(
            select(func.count(StageSubmission.id)).where(StageSubmission.approved_at.is_not(None))
        )
        rows = db.session.scalars(select(OutboxEmail).where(OutboxEmail.id > outbox_before)).all()
        waiting = [r for r in rows if r.status == OutboxStatus.PENDING and r.attempts >= 1]
        next_try = max((r.next_attempt_at for r in rows), default=utcnow())
        db.session.remove()
    if reviews < 2:
        problems.append(f"{reviews} decisions stored (expected 2)")
    if not rows:
        problems.append("no mail queued for the decisions")
    if len(waiting) != len(rows):
        problems.append(
            f"{len(rows) - len(waiting)} of {len(rows)} mails not waiting for a retry after the failure"
        )
    # SMTP comes back; the worker's next run after the backoff sends everything.
    sink_port = free_port()
    sink_started = utcnow()
    sink = _SmtpSink(sink_port)
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    try:
        wait = (next_try - utcnow()).total_seconds() + 1
        time.sleep(max(0.0, min(wait, 400)))
        env_up = {**env, "LMS_SMTP_PORT": str(sink_port)}
        up = flask(["lms", "worker", "--once"], url, check=False, env_extra=env_up)
    finally:
        sink.shutdown()
        sink.server_close()
    with app.app_context():
        rows = db.session.scalars(select(OutboxEmail).where(OutboxEmail.id > outbox_before)).all()
        sent = [r for r in rows if r.status == OutboxStatus.SENT]
        # The demo's own earlier mails (the Rancangan sent for review) go out in the same run.
        sent_now = db.session.scalar(
            select(func.count(OutboxEmail.id)).where(OutboxEmail.sent_at >= sink_started)
        )
        db.session.remove()
    if len(sent) != len(rows):
        problems.append(f"{len(sent)} of {len(rows)} mails sent after SMTP came back (worker: {up.stdout!r})")
    if len(sink.messages) != sent_now:
        problems.append(f"the SMTP server received {len(sink.messages)} messages for {sent_now} marked sent")
    detail = (
        f"{reviews} decisions stored while SMTP was down ({approved} submissions approved), "
        f"{len(rows)} mails queued; worker with SMTP down exited {down.returncode} and kept them; "
        f"after the {timedelta(seconds=round(wait))} backoff the worker sent them ({sent_now} in all with "
        f"the demo's earlier ones), the SMTP server received {len(sink.messages)}"
    )
    return not problems, detail + ("; " + "; ".join(problems) if problems else "")
