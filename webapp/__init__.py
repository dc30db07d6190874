"""Koppel's Flask application factory."""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, g, render_template
from flask.globals import request_ctx
from flask_babel import get_locale
from flask_babel import refresh as refresh_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import SecurityError

from . import crypto, links
from .config import load_config
from .extensions import babel, csrf, db, limiter, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    """Create the app. ``config`` overrides what the environment says (used by tests)."""
    instance = (config or {}).get("INSTANCE_PATH") or os.environ.get("KOPPEL_INSTANCE") \
        or str(ROOT / "instance")
    app = Flask(__name__, instance_path=instance, instance_relative_config=True)
    app.config.update(load_config(app.instance_path))
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(ROOT / "translations")
    if config:
        app.config.update(config)
    links.configure(app.config)  # refuses to start without a base URL in production
    crypto.configure(app.config["ENCRYPTION_KEYS"], app.config["INDEX_KEY"])
    if app.config.get("PROXY_HOPS"):  # behind nginx: the client's address, scheme and host
        from werkzeug.middleware.proxy_fix import ProxyFix
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = None  # our server-side sessions do this job
    from . import request_input
    request_input.init_app(app)  # NUL refusal, <int:> limit, url_with_args (before routes)

    from .i18n import install_template_gettext, remember_switch, select_locale, text_direction
    from .navigation import main_menu
    babel.init_app(app, locale_selector=select_locale)
    install_template_gettext(app)

    from . import mail  # noqa: F401  (registers its jobs)
    from .auth import reset, sessions  # noqa: F401  (register their jobs)
    from .matches import runs  # noqa: F401  (registers its jobs)
    from .admin import bp as admin_bp
    from .auth import bp as auth_bp
    from .dashboard import bp as dashboard_bp
    from .families import bp as families_bp
    from .groups import bp as groups_bp
    from .main import bp as main_bp
    from .matches import bp as matches_bp
    from .messaging import bp as messaging_bp
    from .privacy import bp as privacy_bp
    from .volunteers import bp as volunteers_bp
    app.register_blueprint(main_bp)
    app.register_blueprint(volunteers_bp)
    app.register_blueprint(families_bp)
    app.register_blueprint(matches_bp)
    app.register_blueprint(messaging_bp, url_prefix="/messaging")
    app.register_blueprint(privacy_bp, url_prefix="/privacy")
    app.register_blueprint(groups_bp, url_prefix="/groups")
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")

    from .security import set_security_headers
    app.before_request(remember_switch)
    app.after_request(set_security_headers)

    @app.teardown_request
    def forget_request_user(exc):
        # The user is looked up again on every request (sessions may have been revoked),
        # even where an outer app context (a CLI command, a test) outlives the request.
        g.pop("_login_user", None)
        refresh_locale()

    @app.context_processor
    def inject_locale():
        lang = str(get_locale() or "nl")
        return {"lang": lang, "text_dir": text_direction(lang),
                "list_sep": "، " if lang == "ar" else ", ",  # the Arabic comma on Arabic pages
                "has_endpoint": lambda name: name in app.view_functions,
                "main_menu": main_menu,
                "languages": [("nl", "Nederlands"), ("en", "English"), ("ar", "العربية")]}

    from .messaging.outbox import family_consent_guard, register_guard
    register_guard(family_consent_guard)  # nothing reaches a family whose consent was withdrawn
    _register_errors(app)
    from .cli import register_cli
    from .keys import register_cli as register_keys_cli
    from .ops import observability
    from .ops.cli import register_cli as register_ops_cli
    register_cli(app)
    register_keys_cli(app)
    register_ops_cli(app)
    observability.init_app(app)
    return app


def _register_errors(app: Flask) -> None:
    def page(code: int, title: str, text: str):
        return render_template("errors/error.html", code=code, title=title, text=text), code

    @app.errorhandler(400)
    def bad_request(e):
        return page(400, _("Something is wrong with this request"),
                    _("Please go back and try again."))

    @app.errorhandler(SecurityError)
    def untrusted_host(e):
        # Refused before routing (Host not in TRUSTED_HOSTS): the request has no URL adapter
        # of its own, so the page's links are built on the base URL.
        if request_ctx and request_ctx.url_adapter is None:
            request_ctx.url_adapter = links.base_url_adapter()
        return page(400, _("Something is wrong with this request"),
                    _("Please go back and try again."))

    @app.errorhandler(CSRFError)
    def csrf_error(e):
        return page(400, _("This form has expired"),
                    _("Please go back, reload the page and send the form again."))

    @app.errorhandler(403)
    def forbidden(e):
        return page(403, _("You may not do this"),
                    _("Your account has no access to this page."))

    @app.errorhandler(404)
    def not_found(e):
        return page(404, _("Page not found"),
                    _("This page does not exist, or you have no access to it."))

    @app.errorhandler(413)
    def too_large(e):
        from .uploads import form_again  # the upload form again, with a message
        again = form_again()
        if again is not None:
            return again
        return page(413, _("The file is too large"), _("Please choose a smaller file."))

    @app.errorhandler(429)
    def too_many(e):
        return page(429, _("Too many attempts"),
                    _("Please wait a minute and try again."))

    @app.errorhandler(500)
    def server_error(e):
        db.session.rollback()
        return page(500, _("Something went wrong on our side"),
                    _("Nothing you sent was lost if you saw no confirmation; please try again "
                      "in a moment. If it happens again, tell your coordinator."))
