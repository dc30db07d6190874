"""Regenerate the README screenshots: the demo coordinator's dashboard in Dutch and Arabic.

    .venv/bin/python docs/screenshots/make_screenshots.py

Starts the app on a temporary demo database (nothing touches your instance/) and drives
Debian's Chromium (KOPPEL_CHROMIUM, default /usr/bin/chromium) with Playwright.
"""
from __future__ import annotations

import os
import sys
import tempfile
import threading
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))


def main() -> None:
    from flask_migrate import upgrade
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    from webapp import create_app
    tmp = Path(tempfile.mkdtemp(prefix="koppel-shots-"))
    app = create_app({"INSTANCE_PATH": str(tmp), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/k.db",
                      "JOBS_INLINE_THREAD": False, "LOG_FORMAT": "text",
                      "REQUIRE_2FA_STAFF": False})
    with app.app_context():
        upgrade(revision="heads")
        from webapp.demo import seed_demo
        seed_demo()
        from webapp.extensions import db
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=os.environ.get("KOPPEL_CHROMIUM", "/usr/bin/chromium"),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{base}/login?lang=nl")
        page.fill("#email", "coordinator@demo.test")
        page.fill("#password", "demo-password")
        page.click("button[type=submit]")
        page.wait_for_url("**/dashboard")
        page.screenshot(path=str(HERE / "dashboard-nl.png"), full_page=False)
        page.goto(f"{base}/dashboard?lang=ar")
        page.screenshot(path=str(HERE / "dashboard-ar.png"), full_page=False)
        page.goto(f"{base}/dashboard?lang=nl")
        browser.close()
    server.shutdown()
    print("screenshots written to", HERE)


if __name__ == "__main__":
    main()
