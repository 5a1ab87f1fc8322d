"""Security headers on every response: CSP without inline script, nosniff, no framing."""

from __future__ import annotations

from flask import Flask, request


def register(app: Flask) -> None:
    """Add the headers in an after_request hook."""
    frame_src = app.config.get("CSP_FRAME_SRC", "")
    csp = "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data: https:",
            "media-src 'self' https:",
            # 'self': the review page shows submitted PDFs inline from a permission-checked view.
            f"frame-src 'self' {frame_src}".rstrip(),
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )

    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", csp)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        # Personal pages must not be kept by shared proxies.
        response.headers.setdefault(
            "Cache-Control", "no-store" if _is_private(response) else "public, max-age=3600"
        )
        return response


def _is_private(response) -> bool:
    return not request.path.startswith("/static/")
