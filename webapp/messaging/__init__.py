"""Messaging: templates, the outbox, delivery through e-mail / SMS / WhatsApp / letter.

Register with ``app.register_blueprint(messaging_bp, url_prefix="/messaging")``.
Public entry points for other areas: :func:`.intro.prepare_introduction`,
:func:`.intro.send_prepared`, :func:`.outbox.write`, :func:`.outbox.register_guard`,
:func:`.outbox.cancel_for`; the delivery guarantee is documented in :mod:`.delivery`.
"""
from flask import Blueprint

bp = Blueprint("messaging", __name__)

from . import (
    cli,  # noqa: F401
    routes,  # noqa: F401
)
