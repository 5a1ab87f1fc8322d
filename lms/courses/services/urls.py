"""Video and link URLs in lessons: which video sites can be embedded (privacy-friendly) and what
counts as an external link."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_YOUTUBE_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com", "youtube-nocookie.com"}
_YOUTUBE_HOSTS |= {"www.youtube-nocookie.com", "youtu.be", "music.youtube.com"}
_VIMEO_HOSTS = {"vimeo.com", "www.vimeo.com", "player.vimeo.com"}


@dataclass(frozen=True)
class VideoEmbed:
    """How to show a video: in a privacy-friendly iframe (YouTube, Vimeo) or a <video> element."""

    kind: str  # "youtube", "vimeo" or "mp4"
    src: str


def video_embed(url: str | None) -> VideoEmbed | None:
    """Recognise a YouTube, Vimeo or direct https MP4 URL; None for anything else."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https"):
        return None
    if host in _YOUTUBE_HOSTS:
        video_id = None
        if host == "youtu.be":
            video_id = parts.path.strip("/").split("/")[0]
        elif parts.path == "/watch":
            video_id = (parse_qs(parts.query).get("v") or [""])[0]
        else:
            bits = [b for b in parts.path.split("/") if b]
            if len(bits) >= 2 and bits[0] in ("embed", "shorts", "live", "v"):
                video_id = bits[1]
        if video_id and _YOUTUBE_ID.match(video_id):
            return VideoEmbed("youtube", f"https://www.youtube-nocookie.com/embed/{video_id}")
        return None
    if host in _VIMEO_HOSTS:
        bits = [b for b in parts.path.split("/") if b]
        if host == "player.vimeo.com" and len(bits) >= 2 and bits[0] == "video" and bits[1].isdigit():
            return VideoEmbed("vimeo", f"https://player.vimeo.com/video/{bits[1]}")
        if bits and bits[-1].isdigit():
            return VideoEmbed("vimeo", f"https://player.vimeo.com/video/{bits[-1]}")
        return None
    if parts.scheme == "https" and parts.path.lower().endswith(".mp4"):
        return VideoEmbed("mp4", url.strip())
    return None


def valid_link(url: str | None) -> bool:
    """An external link must be an absolute http(s) URL."""
    if not url:
        return False
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)
