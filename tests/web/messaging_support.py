"""Helpers for the messaging tests: a real SMTP server on loopback (aiosmtpd), a local HTTP
SMS gateway, the blueprint registration, and a ready-made IntroContext."""
from __future__ import annotations

import json
import socket
import threading
from datetime import datetime
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import ClassVar

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ScriptedHandler:
    """aiosmtpd handler: answers DATA (or RCPT) with scripted replies, then 250; keeps what
    it accepted."""

    def __init__(self, data_replies=(), rcpt_replies=()):
        self.data_replies = list(data_replies)
        self.rcpt_replies = list(rcpt_replies)
        self.received = []
        self.data_calls = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_replies:
            return self.rcpt_replies.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.data_calls += 1
        if self.data_replies:
            reply = self.data_replies.pop(0)
            if not reply.startswith("250"):
                return reply
        self.received.append(envelope)
        return "250 Message accepted for delivery"

    def parsed(self, i: int = -1):
        return message_from_bytes(self.received[i].original_content, policy=policy.default)


@pytest.fixture
def smtp_server(app):
    """Start a real SMTP server on 127.0.0.1 and point the app at it; yields the handler
    (set ``data_replies`` / ``rcpt_replies`` before sending)."""
    from aiosmtpd.controller import Controller
    handler = ScriptedHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=5,
                      MAIL_DEFAULT_SENDER="Koppel <koppel@example.org>")
    handler.port = port
    yield handler
    controller.stop()


@pytest.fixture
def messaging_app(app):
    """The app with the messaging blueprint (the lead registers it in create_app) and short
    retry delays."""
    from webapp.messaging import bp
    if "messaging" not in app.blueprints:
        app.register_blueprint(bp, url_prefix="/messaging")
    app.config.update(MESSAGING_RETRY_BASE_SECONDS=0.05, MESSAGING_RETRY_MAX_SECONDS=0.2)
    from webapp.messaging.gateways import DevSmsGateway
    DevSmsGateway.sent.clear()
    return app


@pytest.fixture
def guards():
    """Register consent guards for one test only."""
    from webapp.messaging import outbox
    added = []

    def add(fn):
        outbox.register_guard(fn)
        added.append(fn)
        return fn
    yield add
    for fn in added:
        outbox.unregister_guard(fn)


def intro_context(world, **overrides):
    """An introduction for a real family (consent given), so the consent guard lets it pass."""
    from tests.factories import make_family
    from webapp.messaging.intro import IntroContext
    if "family_id" not in overrides:
        overrides["family_id"] = make_family(world.prog_a, world.coord_a).id
    values = {
        "programme_type": "homestart", "programme_name": "Home-Start Leiden",
        "organisation_name": "Home-Start Leiden", "parent_first_name": "Amina",
        "volunteer_first_name": "Sara", "family_language": "ar", "family_channel": "email",
        "family_contact": "amina@example.net", "contact_name": "Els de Vries",
        "contact_phone": "071 123 45 67", "volunteer_email": "sara@example.org",
        "volunteer_language": "nl", "first_visit_at": datetime(2026, 12, 1, 10, 0),
        "address": "Kooilaan 1, 2312 AB Leiden", "address_confirmed": False,
        "coordinator_name": "Els de Vries", "coordinator_phone": "071 123 45 67",
        "coordinator_email": "els@example.org", "family_reference": "G-00012",
        "family_area": "Leiden 2312", "children_ages": [2, 5], "family_languages": ["ar", "nl"],
        "family_needs": ["responsive_talk", "dutch_contact"], "programme_id": world.prog_a.id,
        "volunteer_user_id": world.volunteer.id}
    values.update(overrides)
    return IntroContext(**values)


class GatewayHandler(BaseHTTPRequestHandler):
    """An HTTP SMS gateway on loopback: scripted status codes, then 200."""

    statuses: ClassVar[list[int]] = []
    requests: ClassVar[list[dict]] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        type(self).requests.append({"headers": dict(self.headers), "json": json.loads(body)})
        status = type(self).statuses.pop(0) if type(self).statuses else 200
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps({"id": f"gw-{len(type(self).requests)}"}).encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def sms_gateway_server(app):
    GatewayHandler.statuses, GatewayHandler.requests = [], []
    server = HTTPServer(("127.0.0.1", 0), GatewayHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.config.update(MESSAGING_SMS_GATEWAY="http",
                      MESSAGING_SMS_HTTP_URL=f"http://127.0.0.1:{server.server_port}/send",
                      MESSAGING_SMS_HTTP_TIMEOUT=5)
    yield GatewayHandler
    server.shutdown()
    server.server_close()
