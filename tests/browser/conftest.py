"""Browser-test fixtures: the real app on a migrated temporary SQLite database, served over
HTTP on a free local port in a background thread, driven by Debian's Chromium through
Playwright; and an axe-core check.

- ``live_app``: the app (module scope). Set ``LIVE_SEED_DEMO = True`` in a test module to
  fill it with :func:`webapp.demo.seed_demo`; ``live_app_with_demo`` always does.
- ``live_server``: the base URL (``http://127.0.0.1:<port>``) of ``live_app``.
- ``page``: a fresh browser context and page per test (``BROWSER_LOCALE`` in the module sets
  its locale; default "nl").
- ``axe_check(page)``: the serious and critical axe-core violations (a list; assert it is
  empty).

Skipped with a clear message when Chromium is missing (``KOPPEL_CHROMIUM`` or
/usr/bin/chromium).
"""
from __future__ import annotations

import os
import shutil
import threading

import pytest

CHROMIUM = os.environ.get("KOPPEL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


def _serve(app):
    from werkzeug.serving import make_server
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    return server, thread


def _live_app(tmp_path_factory, migrated_sqlite, seed: bool):
    from tests.conftest import make_app
    from webapp.extensions import db
    tmp = tmp_path_factory.mktemp("live")
    db_file = tmp / "koppel.sqlite3"
    shutil.copy(migrated_sqlite, db_file)
    # TESTING off so that errors look as in production; jobs run inline (deterministic);
    # development mode: served on 127.0.0.1 (a trusted host), links on the local address.
    app = make_app(tmp, f"sqlite:///{db_file}", WTF_CSRF_ENABLED=True, SERVER_NAME=None,
                   TESTING=False, JOBS_INLINE_THREAD=False, KOPPEL_ENV="development")
    if seed:
        from webapp.demo import seed_demo
        with app.app_context():
            seed_demo()
            db.session.remove()
    server, thread = _serve(app)
    app.config["LIVE_URL"] = f"http://127.0.0.1:{server.server_port}"
    return app, server, thread


@pytest.fixture(scope="module")
def live_app(request, tmp_path_factory, migrated_sqlite):
    """The app served over HTTP (demo data when the module sets ``LIVE_SEED_DEMO``)."""
    seed = bool(getattr(request.module, "LIVE_SEED_DEMO", False))
    app, server, thread = _live_app(tmp_path_factory, migrated_sqlite, seed)
    yield app
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="module")
def live_app_with_demo(tmp_path_factory, migrated_sqlite):
    """The app with the demo region, served over HTTP."""
    app, server, thread = _live_app(tmp_path_factory, migrated_sqlite, True)
    yield app
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="module")
def live_server(live_app) -> str:
    return live_app.config["LIVE_URL"]


@pytest.fixture(scope="module")
def _browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"browser tests skipped: no Chromium at {CHROMIUM} "
                    "(set KOPPEL_CHROMIUM, or `make chromium`)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                     headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(request, _browser):
    context = _browser.new_context(locale=getattr(request.module, "BROWSER_LOCALE", "nl"))
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture
def browser_context(request, _browser):
    """A factory for more contexts (a second user in the same test)."""
    contexts = []

    def make(locale: str = "nl"):
        ctx = _browser.new_context(locale=locale)
        contexts.append(ctx)
        p = ctx.new_page()
        p.set_default_timeout(15000)
        return p
    yield make
    for ctx in contexts:
        ctx.close()


@pytest.fixture
def axe_check():
    """Run axe-core on a page; returns the serious and critical violations."""
    from axe_playwright_python.sync_playwright import Axe
    axe = Axe()

    def check(page) -> list[dict]:
        result = axe.run(page)
        bad = [v for v in result.response["violations"]
               if v.get("impact") in ("serious", "critical")]
        for v in bad:
            print("axe:", v["id"], v.get("impact"), [n.get("target") for n in v["nodes"]][:5])
        return bad
    return check
