# Koppel — two commands for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# the local instance runs in development mode (links to http://127.0.0.1:5000); production
# sets KOPPEL_BASE_URL and does not start without it (docs/deployment.md)
FLASK := KOPPEL_ENV=$${KOPPEL_ENV:-development} $(VENV)/bin/flask --app wsgi
STAMP := $(VENV)/.installed
# PostgreSQL and Redis on this machine, used by the tests when they answer (skipped otherwise).
TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test install translations chromium migrate seed extract-messages bench security clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

translations: $(STAMP)
	$(VENV)/bin/pybabel compile --use-fuzzy -d translations 2>/dev/null

migrate: install translations
	@$(FLASK) check-db
	$(FLASK) db upgrade heads

seed: migrate
	$(FLASK) seed-demo --if-empty

run: seed
	@echo "Koppel runs on http://127.0.0.1:5000 — demo logins (on a database that was empty): admin@demo.test, coordinator@demo.test, volunteer@demo.test (password: demo-password)"
	@echo "(the demo does not ask staff for a second factor; production does: see docs/security.md)"
	KOPPEL_REQUIRE_2FA_STAFF=$${KOPPEL_REQUIRE_2FA_STAFF:-0} KOPPEL_LOG_FORMAT=$${KOPPEL_LOG_FORMAT:-text} \
	  $(FLASK) run --host 127.0.0.1 --port 5000

# Debian's Chromium drives the browser tests and poppler's pdftoppm renders printed letters;
# installed when missing and we may (root + apt), otherwise those tests skip with a message.
chromium:
	@if [ ! -x $(CHROMIUM) ] || ! command -v pdftoppm >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils >/dev/null 2>&1 \
	      || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils >/dev/null 2>&1)) \
	      || echo "chromium/poppler-utils could not be installed: browser tests will be skipped"; \
	  else echo "no $(CHROMIUM) or pdftoppm, and no apt-get as root: those tests will be skipped"; fi; \
	fi

test: install translations chromium
	TEST_DATABASE_URL=$(TEST_DATABASE_URL) TEST_REDIS_URL=$(TEST_REDIS_URL) KOPPEL_CHROMIUM=$(CHROMIUM) \
	  $(PY) -m pytest -n 2 --dist loadfile $(PYTEST_ARGS)

extract-messages: install
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k ngettext:1,2 --no-location --sort-output -o translations/messages.pot .
	$(VENV)/bin/pybabel update --no-fuzzy-matching -i translations/messages.pot -d translations --ignore-obsolete

# Static analysis (bandit, semgrep with .semgrep/ rules), SBOM, and a time-bounded dynamic scan
# (wapiti3 + sqlmap) of a throw-away instance on 127.0.0.1. Reports: instance/security/.
security: install translations
	bash scripts/security.sh $(SECURITY_STEPS)

# The quick benchmark set (the full ones and their figures: benchmarks/README_*.md).
bench: install
	$(PY) benchmarks/bench_matching.py --quick
	$(PY) benchmarks/bench_import.py
	$(PY) benchmarks/bench_groups.py

clean:
	rm -rf $(VENV) instance .pytest_cache
