"""Absolute links to Koppel (in e-mails, messages, calendar addresses), built from the
configured ``KOPPEL_BASE_URL`` and never from the request's ``Host`` or ``X-Forwarded-Host``
header: a forged header must not put an attacker's host into a password-reset e-mail.

:func:`configure` settles the base URL and the hosts Koppel answers to when the app is
created. ``KOPPEL_ENV`` says where Koppel runs: ``production`` (the default) refuses to start
without ``KOPPEL_BASE_URL``; ``development`` (``make run``) and the tests fall back to the
local address. Requests for any other host are refused with 400 (Flask's ``TRUSTED_HOSTS``,
from ``KOPPEL_TRUSTED_HOSTS`` or, by default, the base URL's host).
"""
from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any
from urllib.parse import urlsplit

from flask import current_app

DEV_BASE_URL = "http://127.0.0.1:5000"
MODES = ("production", "development")
LOCAL_HOSTS = ("localhost", "127.0.0.1")


class ConfigError(RuntimeError):
    """The configuration is not safe to run with; the message says what to set."""


def run_mode(config: MutableMapping[str, Any]) -> str:
    """``testing`` (Flask's TESTING), else ``KOPPEL_ENV``: ``production`` or ``development``."""
    if config.get("TESTING"):
        return "testing"
    value = str(config.get("KOPPEL_ENV") or "production").strip().lower()
    if value not in MODES:
        raise ConfigError(f"KOPPEL_ENV must be 'production' or 'development', not {value!r}.")
    return value


def configure(config: MutableMapping[str, Any]) -> None:
    """Check and complete ``KOPPEL_BASE_URL`` and ``TRUSTED_HOSTS`` (raises ConfigError)."""
    mode = run_mode(config)
    server_name = config.get("SERVER_NAME") or None
    base = str(config.get("KOPPEL_BASE_URL") or "").strip()
    if not base:
        if mode == "production":
            raise ConfigError(
                "KOPPEL_BASE_URL is not set. Koppel builds every link in its e-mails from it "
                "and does not start in production without it: set it to the address users "
                "open, e.g. KOPPEL_BASE_URL=https://koppel.example.org (for a local instance "
                "set KOPPEL_ENV=development instead).")
        scheme = config.get("PREFERRED_URL_SCHEME") or "http"
        base = f"{scheme}://{server_name}" if server_name else DEV_BASE_URL
    config["KOPPEL_BASE_URL"] = _checked_base_url(base)
    if not config.get("TRUSTED_HOSTS"):  # an empty list would let every host through
        hosts = [urlsplit(config["KOPPEL_BASE_URL"]).hostname]
        if mode != "production":
            if server_name:
                hosts.append(urlsplit(f"//{server_name}").hostname)
            hosts.extend(LOCAL_HOSTS)
        config["TRUSTED_HOSTS"] = list(dict.fromkeys(h for h in hosts if h))


def _checked_base_url(base: str) -> str:
    parts = urlsplit(base)
    try:
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        port_ok = False
    if parts.scheme not in ("http", "https") or not parts.hostname or not port_ok \
            or parts.query or parts.fragment or parts.username or parts.password:
        raise ConfigError(
            f"KOPPEL_BASE_URL must be an address like https://koppel.example.org (scheme "
            f"http or https, a host name, optionally a path; no query), not {base!r}.")
    return base.rstrip("/")


def parse_hosts(value: str | None) -> list[str] | None:
    """``KOPPEL_TRUSTED_HOSTS``: comma-separated host names (``.example.org`` for every
    subdomain); None when empty."""
    hosts = [h.strip().lower() for h in (value or "").split(",") if h.strip()]
    return hosts or None


def base_host() -> str:
    """The host name of the base URL (e.g. for calendar event ids)."""
    return urlsplit(current_app.config["KOPPEL_BASE_URL"]).hostname or "localhost"


def base_url_adapter():
    """A URL adapter bound to ``KOPPEL_BASE_URL`` (not to the request)."""
    parts = urlsplit(current_app.config["KOPPEL_BASE_URL"])
    return current_app.url_map.bind(parts.netloc, script_name=parts.path or "/",
                                    url_scheme=parts.scheme)


def external_url(endpoint: str, **values: Any) -> str:
    """The absolute URL of ``endpoint`` on ``KOPPEL_BASE_URL``, in a request or not, whatever
    host the request came in on."""
    current_app.inject_url_defaults(endpoint, values)
    return base_url_adapter().build(endpoint, values, force_external=True)
