"""Blueprint "accounts": login, logout, home, profile, password, language."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from lms.accounts import nip as nip_rules
from lms.accounts import services
from lms.accounts.forms import LoginForm, PasswordChangeForm, ProfileForm
from lms.extensions import db, limiter
from lms.web import run_service

bp = Blueprint("accounts", __name__)


def _login_limit() -> str:
    return current_app.config["LOGIN_LIMIT"]


def _account_key() -> str:
    """Rate-limit key per account: the normalised login typed in the form."""
    return "acct:" + nip_rules.normalize(request.form.get("login", "")).lower()[:100]


def _failed(response) -> bool:
    """Only failed logins count toward the limit (a success redirects)."""
    return response.status_code != 302


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    _login_limit, methods=["POST"], key_func=get_remote_address, deduct_when=_failed, scope="login-ip"
)
@limiter.limit(
    _login_limit, methods=["POST"], key_func=_account_key, deduct_when=_failed, scope="login-account"
)
def login():
    """Log in with NIP, username or email and a password."""
    if current_user.is_authenticated:
        return redirect(url_for("accounts.home"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        user = services.authenticate(form.login.data, form.password.data)
        if user is not None:
            services.start_session(
                user,
                current_app.config["PERMANENT_SESSION_LIFETIME"],
                ip=request.remote_addr,
                user_agent=request.headers.get("User-Agent"),
            )
            chosen_language = session.get("lang")
            if chosen_language in ("id", "en") and chosen_language != user.language:
                # The language picked on the login page becomes the account's language.
                services.set_language(user, chosen_language)
            db.session.commit()
            session.clear()  # a fresh session: no fixation
            session.permanent = True
            login_user(user)
            return redirect(_safe_next(form.next.data) or url_for("accounts.home"))
        form.password.errors.append(_("NIP/nama pengguna atau kata sandi salah."))
        return render_template("accounts/login.html", form=form), 401
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    """End this login session on the server, then forget the cookie."""
    services.end_session(current_user.get_id())
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("Anda telah keluar."), "info")
    return redirect(url_for("accounts.login"))


@bp.get("/")
@login_required
def home():
    """The role's home page: a learner's courses, a reviewer's queue, an admin's overview."""
    roles = {r.value for r in current_user.roles}
    return render_template(
        "accounts/home.html", roles=roles, is_reviewer=bool(roles & {"mentor", "coach", "penguji"})
    )


@bp.route("/akun/profil", methods=["GET", "POST"])
@login_required
def profile():
    """Show and edit one's own profile (email, time zone, language)."""
    user = current_user._get_current_object()
    form = ProfileForm(obj=user if request.method == "GET" else None)
    if request.method == "GET":
        form.version.data = str(user.version)
    if form.validate_on_submit() and run_service(
        lambda: services.update_profile(
            user,
            email=form.email.data,
            timezone=form.timezone.data,
            language=form.language.data,
            expected_version=_int_or_none(form.version.data),
        ),
        field=form.email,
        success=_("Profil disimpan."),
    ):
        return redirect(url_for("accounts.profile"))
    return render_template(
        "accounts/profile.html", form=form, user=user, nip_pretty=nip_rules.pretty(user.nip)
    )


@bp.route("/akun/kata-sandi", methods=["GET", "POST"])
@login_required
def change_password():
    """Change one's own password; every other session of the account ends."""
    user = current_user._get_current_object()
    form = PasswordChangeForm()
    if form.validate_on_submit() and run_service(
        lambda: services.change_password(
            user, form.current.data, form.new.data, current_app.config["PERMANENT_SESSION_LIFETIME"]
        ),
        field=form.current,
    ):
        session.clear()
        session.permanent = True
        login_user(user)  # the new session token
        flash(_("Kata sandi diganti. Sesi di perangkat lain telah diakhiri."), "success")
        return redirect(url_for("accounts.profile"))
    return render_template("accounts/password.html", form=form)


@bp.get("/bahasa/<lang>")
def set_language(lang: str):
    """Switch the interface language (kept in the session; saved on the profile when logged in)."""
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
    return redirect(_safe_next(request.args.get("next")) or url_for("accounts.home"))


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
