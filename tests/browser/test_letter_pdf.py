"""The printed letter, printed for real: headless Chromium saves it as PDF, poppler's
pdftoppm renders the pages to PNG, and the ink must be there and run the right way —
Arabic right-to-left on the front, Dutch left-to-right on the back."""
# Fixtures are imported from tests/web/messaging_support.py (no shared conftest edits).
# ruff: noqa: F811
from __future__ import annotations

import os
import shutil
import struct
import subprocess
import threading
import zlib
from pathlib import Path

import pytest

from tests.web.messaging_support import free_port, intro_context, messaging_app  # noqa: F401

CHROMIUM = os.environ.get("KOPPEL_CHROMIUM", "/usr/bin/chromium")
pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _need_tools():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    pytest.importorskip("playwright.sync_api")


def read_png_gray(path: Path) -> list[list[int]]:
    """Decode an 8-bit, non-interlaced PNG (as pdftoppm writes) into rows of grey values."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _c, _f, interlace = struct.unpack(">IIBBBBB", chunk)
            assert depth == 8 and interlace == 0
            channels = {0: 1, 2: 3, 4: 2, 6: 4}[colour]
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    raw, stride, rows, prev = zlib.decompress(idat), width * channels, [], None
    for y in range(height):
        ftype = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        prev = prev or bytearray(stride)
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b, c = prev[i], (prev[i - channels] if i >= channels else 0)
            if ftype == 1:
                line[i] = (line[i] + a) & 255
            elif ftype == 2:
                line[i] = (line[i] + b) & 255
            elif ftype == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        prev = line
        rows.append([sum(line[x * channels:x * channels + min(channels, 3)]) // min(channels, 3)
                     for x in range(width)])
    return rows


def text_lines(rows: list[list[int]]) -> list[tuple[int, int]]:
    """(leftmost, rightmost) ink column of each line of text."""
    lines, current = [], None
    for row in rows:
        ink = [x for x, v in enumerate(row) if v < 140]
        if ink:
            current = (min(ink), max(ink)) if current is None else \
                (min(current[0], min(ink)), max(current[1], max(ink)))
        elif current is not None:
            lines.append(current)
            current = None
    if current is not None:
        lines.append(current)
    return lines


@pytest.fixture
def live_server(messaging_app):
    from werkzeug.serving import make_server
    port = free_port()
    messaging_app.config["SERVER_NAME"] = f"127.0.0.1:{port}"
    server = make_server("127.0.0.1", port, messaging_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()


def test_arabic_letter_prints_to_pdf_right_to_left_with_dutch_back(messaging_app, world,
                                                                   live_server, tmp_path):
    _need_tools()
    from playwright.sync_api import sync_playwright

    from webapp.extensions import db
    from webapp.messaging.intro import prepare_introduction, send_prepared
    prepared = prepare_introduction(intro_context(world, family_channel="letter",
                                                  family_contact=None))
    family, _vol = send_prepared(prepared, created_by=world.coord_a.id)
    db.session.commit()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run"])
        page = browser.new_page()
        page.goto(f"{live_server}/login")
        page.fill("input[name=email]", world.coord_a.email)
        page.fill("input[name=password]", world.password)
        page.click("button[type=submit]")
        page.goto(f"{live_server}/messaging/outbox/{family.id}/letter")
        page.evaluate("document.fonts.ready")
        assert page.locator("section.letter-page[dir=rtl]").count() == 1
        pdf = tmp_path / "letter.pdf"
        page.pdf(path=str(pdf), format="A4", print_background=True)
        browser.close()

    subprocess.run(["pdftoppm", "-r", "40", "-f", "1", "-l", "2", "-png", str(pdf),
                    str(tmp_path / "page")], check=True, timeout=60)
    pngs = sorted(tmp_path.glob("page*.png"))
    assert len(pngs) == 2, "front in Arabic, back in Dutch"
    for png, expected in zip(pngs, ("rtl", "ltr")):
        rows = read_png_gray(png)
        width = len(rows[0])
        lines = text_lines(rows)
        assert len(lines) >= 8, f"{png.name} is (nearly) blank"
        right_half_only = sum(1 for left, _r in lines if left > width / 2)
        left_half_only = sum(1 for _l, right in lines if right < width / 2)
        if expected == "rtl":
            assert right_half_only >= 1 and left_half_only == 0, (png.name, lines)
        else:
            assert left_half_only >= 1 and right_half_only == 0, (png.name, lines)
