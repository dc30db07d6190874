"""Configuration read from environment variables, with safe defaults.

Nothing secret is a constant in code: the session secret and the encryption keys are read
from the environment or generated once into the instance folder.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet

from .links import parse_hosts


def _instance_secret(instance: Path, name: str, make) -> str:
    """Return the secret stored in ``instance/name``, creating it on first use (mode 0600)."""
    path = instance / name
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(make())
    return path.read_text().strip()


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def load_config(instance_path: str, env: dict[str, str] | None = None) -> dict:
    """Build the configuration mapping from ``env`` (default: ``os.environ``)."""
    env = dict(os.environ if env is None else env)
    instance = Path(instance_path)
    db_url = env.get("DATABASE_URL") or f"sqlite:///{instance / 'koppel.sqlite3'}"
    if db_url.startswith("postgres://"):
        db_url = "postgresql+psycopg://" + db_url[len("postgres://"):]
    elif db_url.startswith("postgresql://"):
        db_url = "postgresql+psycopg://" + db_url[len("postgresql://"):]
    secret = env.get("SECRET_KEY") or _instance_secret(
        instance, "secret_key", lambda: secrets.token_urlsafe(48))
    keys = env.get("KOPPEL_ENCRYPTION_KEYS") or _instance_secret(
        instance, "encryption.keys", lambda: Fernet.generate_key().decode())
    index_key = env.get("KOPPEL_INDEX_KEY") or _instance_secret(
        instance, "index.key", lambda: secrets.token_urlsafe(32))
    https = _bool(env.get("KOPPEL_HTTPS"), False)
    upload_mb = int(env.get("KOPPEL_MAX_UPLOAD_MB") or 5)
    return {
        "SECRET_KEY": secret,
        "ENCRYPTION_KEYS": [k.strip() for k in keys.replace("\n", ",").split(",") if k.strip()],
        "INDEX_KEY": index_key,
        "SQLALCHEMY_DATABASE_URI": db_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": env.get("REDIS_URL") or None,
        "JOBS_INLINE_THREAD": _bool(env.get("KOPPEL_JOBS_THREAD"), True),
        "MAIL_SERVER": env.get("MAIL_SERVER") or None,
        "MAIL_PORT": int(env.get("MAIL_PORT") or 25),
        "MAIL_USE_TLS": _bool(env.get("MAIL_USE_TLS")),
        "MAIL_USE_SSL": _bool(env.get("MAIL_USE_SSL")),
        "MAIL_USERNAME": env.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD") or None,
        "MAIL_DEFAULT_SENDER": env.get("MAIL_DEFAULT_SENDER") or "koppel@localhost",
        "MAIL_TIMEOUT": float(env.get("MAIL_TIMEOUT") or 10),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": https,
        "PREFERRED_URL_SCHEME": "https" if https else "http",
        "IDLE_MINUTES_STAFF": int(env.get("KOPPEL_IDLE_MINUTES_STAFF") or 30),
        "IDLE_MINUTES_VOLUNTEER": int(env.get("KOPPEL_IDLE_MINUTES_VOLUNTEER") or 120),
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI")
        or (env.get("REDIS_URL") or "memory://"),
        "RATELIMIT_HEADERS_ENABLED": False,
        # explicit: Flask-Limiter otherwise keeps the previous app's setting (one Limiter
        # object serves every app created in a process)
        "RATELIMIT_ENABLED": True,
        # a moving window: five failures within any 60 seconds, not per calendar minute
        "RATELIMIT_STRATEGY": "moving-window",
        "LOGIN_FAILURES_PER_MINUTE": int(env.get("KOPPEL_LOGIN_FAILURES_PER_MINUTE") or 5),
        "RESET_TOKEN_MINUTES": 60,
        "CONFIRM_TOKEN_HOURS": 48,
        "INVITE_TOKEN_HOURS": 72,  # the set-password link of an admin's invitation
        "BABEL_DEFAULT_LOCALE": "nl",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Amsterdam",
        "LANGUAGES": ("nl", "en", "ar"),
        # The one upload limit: a certificate of at most this many MB (the form states it,
        # the service checks it). A request may be 1 MB larger (the form's other fields);
        # above that the upload form is shown again with a message (webapp.uploads).
        # nginx's client_max_body_size must be larger still for that page to be seen.
        "MAX_UPLOAD_MB": upload_mb,
        "MAX_CONTENT_LENGTH": (upload_mb + 1) * 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": None,
        "PAGE_SIZE": 25,
        "LOG_FORMAT": env.get("KOPPEL_LOG_FORMAT") or "json",
        # number of reverse proxies in front (nginx: 1) whose X-Forwarded-* headers to trust
        "PROXY_HOPS": int(env.get("KOPPEL_PROXY_HOPS") or 0),
        "METRICS_TOKEN": env.get("KOPPEL_METRICS_TOKEN") or None,
        # Where Koppel runs: "production" (default) or "development" (make run); tests set
        # TESTING. Production refuses to start without KOPPEL_BASE_URL (webapp/links.py).
        "KOPPEL_ENV": env.get("KOPPEL_ENV") or "production",
        # Where users reach Koppel: every link in e-mails and messages is built from it,
        # never from the request's Host header (webapp.links.external_url).
        "KOPPEL_BASE_URL": env.get("KOPPEL_BASE_URL") or None,
        # Host names Koppel answers to (others get 400); default: the base URL's host.
        "TRUSTED_HOSTS": parse_hosts(env.get("KOPPEL_TRUSTED_HOSTS")),
    }
