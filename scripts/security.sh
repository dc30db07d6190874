#!/usr/bin/env bash
# Koppel's security checks — `make security` (docs/security.md explains every step and finding).
#
#   scripts/security.sh [static] [sbom] [dynamic]     (no argument: all three)
#
#   static   bandit (fails on any HIGH finding) and semgrep with our rules in .semgrep/
#            (fails on any finding not listed, with its reason, in .semgrep/accepted.txt;
#            first checks that the rules still find every `ruleid:` sample in .semgrep/samples)
#   sbom     CycloneDX SBOM of the application's environment (.venv), not of the scanners
#   dynamic  starts Koppel on 127.0.0.1 with a throw-away demo database and scans it with
#            wapiti3 (anonymous and logged in as a coordinator) and sqlmap (login form and the
#            logged-in forms). Every scan targets 127.0.0.1 only and is bounded in time.
#
# The scanners live in their own virtualenvs under .venv/tools/ (created here from PyPI on
# first use): wapiti3 pins Flask/SQLAlchemy/cryptography versions that would downgrade the
# app, and the SBOM must describe the app's environment, not the scanners'.
# Reports go to instance/security/ (git-ignored). pip-audit is deliberately not used: without
# its vulnerability database it reports "no known vulnerabilities" and exits 0.
#
# Environment: PORT (default 5077), SCAN_MINUTES (wapiti max scan time per run, default 5),
# SQLMAP_SECONDS (per sqlmap run, default 240).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="$ROOT/.venv/bin/python"
TOOLS="$ROOT/.venv/tools"
SEC="$TOOLS/security/bin"
WAP="$TOOLS/wapiti/bin"
OUT="$ROOT/instance/security"
PORT="${PORT:-5077}"
BASE="http://127.0.0.1:$PORT"
SCAN_MINUTES="${SCAN_MINUTES:-5}"
SQLMAP_SECONDS="${SQLMAP_SECONDS:-240}"
STEPS="${*:-static sbom dynamic}"
FAILED=0
mkdir -p "$OUT"
export SEMGREP_ENABLE_VERSION_CHECK=0 SEMGREP_SEND_METRICS=off

say() { printf '\n== %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*"; FAILED=1; }

[ -x "$PY" ] || { echo "no $PY: run 'make install' first"; exit 2; }

tools() {
  if [ ! -x "$SEC/semgrep" ] || [ ! -x "$SEC/bandit" ] || [ ! -x "$SEC/cyclonedx-py" ] \
      || [ ! -x "$SEC/sqlmap" ]; then
    say "installing bandit, semgrep, cyclonedx-bom, sqlmap into $TOOLS/security"
    python3 -m venv "$TOOLS/security"
    "$SEC/pip" install --quiet --upgrade pip
    "$SEC/pip" install --quiet "bandit>=1.8" "semgrep>=1.100" "cyclonedx-bom>=5" "sqlmap>=1.9"
  fi
  if [ ! -x "$WAP/wapiti" ]; then
    say "installing wapiti3 into $TOOLS/wapiti"
    python3 -m venv "$TOOLS/wapiti"
    "$WAP/pip" install --quiet --upgrade pip
    "$WAP/pip" install --quiet "wapiti3>=3.2.3"
  fi
}

static() {
  say "bandit (HIGH findings fail; all findings in $OUT/bandit.json)"
  "$SEC/bandit" -r webapp matching training wsgi.py -f json -o "$OUT/bandit.json" -q || true
  "$PY" - "$OUT/bandit.json" <<'EOF'
import json, sys, collections
data = json.load(open(sys.argv[1]))
count = collections.Counter(r["issue_severity"] for r in data["results"])
print("bandit findings by severity:", {k: count.get(k, 0) for k in ("HIGH", "MEDIUM", "LOW")})
for r in data["results"]:
    if r["issue_severity"] in ("HIGH", "MEDIUM"):
        print(f'  {r["issue_severity"]} {r["test_id"]} {r["filename"]}:{r["line_number"]} {r["issue_text"]}')
EOF
  if ! "$SEC/bandit" -r webapp matching training wsgi.py -lll -q >/dev/null 2>&1; then
    fail "bandit has HIGH findings (see $OUT/bandit.json)"
  fi

  say "semgrep: do the rules still find their samples?"
  "$SEC/semgrep" scan --metrics=off --disable-version-check --config .semgrep/koppel.yml \
      .semgrep/samples --json -q -o "$OUT/semgrep-samples.json" || true
  local want got
  want=$(grep -ho "ruleid: " .semgrep/samples/* | wc -l)
  got=$("$PY" -c "import json,sys; print(len(json.load(open(sys.argv[1]))['results']))" \
        "$OUT/semgrep-samples.json")
  echo "samples: $got of $want found"
  [ "$want" = "$got" ] || fail "semgrep rules find $got of the $want samples in .semgrep/samples"

  say "semgrep with .semgrep/koppel.yml on webapp, matching, training"
  "$SEC/semgrep" scan --metrics=off --disable-version-check --config .semgrep/koppel.yml \
      webapp matching training wsgi.py --json -q -o "$OUT/semgrep.json" || true
  if ! "$PY" - "$OUT/semgrep.json" .semgrep/accepted.txt <<'EOF'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
accepted = {}
for line in open(sys.argv[2], encoding="utf-8"):
    line = line.split("#", 1)[0].strip()
    if line:
        rule, path = line.split()
        accepted[(rule, path)] = True
new = []
for r in results:
    rule = r["check_id"].rsplit(".", 1)[-1]
    mark = "accepted" if (rule, r["path"]) in accepted else "NEW"
    print(f'  {mark}: {rule} {r["path"]}:{r["start"]["line"]}')
    if mark == "NEW":
        new.append(r)
print(f"semgrep findings: {len(results)} ({len(results) - len(new)} accepted, {len(new)} new)")
sys.exit(1 if new else 0)
EOF
  then
    fail "semgrep found something not in .semgrep/accepted.txt"
  fi
}

sbom() {
  say "SBOM (CycloneDX JSON) of the application environment: $OUT/sbom.cdx.json"
  "$SEC/cyclonedx-py" environment --of JSON --output-reproducible -o "$OUT/sbom.cdx.json" \
      "$ROOT/.venv/bin/python"
  "$PY" -c "import json,sys; d=json.load(open(sys.argv[1])); print(len(d.get('components', [])), 'components')" \
      "$OUT/sbom.cdx.json"
}

SERVER_PID=""
stop_server() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}
trap stop_server EXIT

start_server() {
  local inst="$OUT/instance"
  rm -rf "$inst"
  mkdir -p "$inst"
  # A throw-away database with the demo data; nothing of a real installation is touched.
  # The scanners cannot read a TOTP app: two-step login is off for this instance only (it is
  # tested by tests/web/test_security_2fa.py), and the login limit is raised so that the
  # scanners can try the login form at all (the limit is tested by tests/web/test_auth.py).
  export KOPPEL_INSTANCE="$inst" DATABASE_URL="sqlite:///$inst/scan.sqlite3" \
         KOPPEL_REQUIRE_2FA_STAFF=0 KOPPEL_LOGIN_FAILURES_PER_MINUTE=100000 \
         KOPPEL_SECOND_FACTOR_FAILURES_PER_HOUR=100000 REDIS_URL= RATELIMIT_STORAGE_URI=memory:// \
         MAIL_SERVER= FLASK_DEBUG=0 KOPPEL_ENV=development
  "$ROOT/.venv/bin/flask" --app wsgi db upgrade heads >"$OUT/server-setup.log" 2>&1
  "$ROOT/.venv/bin/flask" --app wsgi seed-demo >>"$OUT/server-setup.log" 2>&1
  "$ROOT/.venv/bin/flask" --app wsgi run --host 127.0.0.1 --port "$PORT" >"$OUT/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 60); do
    if curl -fsS -o /dev/null "$BASE/healthz" 2>/dev/null || curl -sS -o /dev/null "$BASE/login" 2>/dev/null; then
      echo "Koppel runs on $BASE (pid $SERVER_PID)"
      return 0
    fi
    sleep 1
  done
  fail "the app did not start (see $OUT/server.log)"
  return 1
}

# A logged-in session cookie for the demo coordinator (value of the 'session' cookie).
login_cookie() {
  "$PY" - "$BASE" "$1" <<'EOF'
import re, sys, urllib.request, urllib.parse, http.cookiejar
base, email = sys.argv[1], sys.argv[2]
jar = http.cookiejar.CookieJar()
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
page = opener.open(base + "/login").read().decode()
token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or \
    re.search(r'name="csrf_token" value="([^"]+)"', page)
data = urllib.parse.urlencode({"email": email, "password": "demo-password",
                               "csrf_token": token.group(1) if token else ""}).encode()
opener.open(base + "/login", data=data).read()
print(next(c.value for c in jar if c.name == "session"))
EOF
}

WAPITI_MODULES="xss,permanentxss,sql,timesql,exec,file,crlf,redirect,csrf,http_headers,cookieflags,csp,methods"
# Never followed by the scanners: they would log the scanner out or end its sessions.
EXCLUDES=(-x "$BASE/logout" -x "$BASE/account/sessions/*" -x "$BASE/account/password"
          -x "$BASE/account/two-factor*" -x "$BASE/static/*")

wapiti_run() {
  local name="$1"; shift
  say "wapiti3 ($name): modules $WAPITI_MODULES, at most $SCAN_MINUTES min"
  # Out-of-band endpoints point at this machine (wapiti's defaults are its own servers); the
  # modules chosen here do not use them. SIGINT first, so that wapiti still writes its report.
  timeout -s INT -k 60 $((SCAN_MINUTES * 60 * 2 + 60)) "$WAP/wapiti" -u "$BASE/" --scope folder \
      -m "$WAPITI_MODULES" --flush-session --store-session "$OUT/wapiti-session-$name" \
      --external-endpoint "$BASE/" --internal-endpoint "$BASE/" --dns-endpoint localhost \
      --max-scan-time $((SCAN_MINUTES * 60)) --max-attack-time $((SCAN_MINUTES * 60 / 13 + 5)) \
      -d 4 --max-links-per-page 40 \
      --tasks 4 --timeout 10 -f json -o "$OUT/wapiti-$name.json" "${EXCLUDES[@]}" "$@" \
      >"$OUT/wapiti-$name.log" 2>&1 || echo "(wapiti ended with status $?; see $OUT/wapiti-$name.log)"
  "$PY" - "$OUT/wapiti-$name.json" <<'EOF' || fail "wapiti ($1) found vulnerabilities"
import json, sys
try:
    data = json.load(open(sys.argv[1]))
except (OSError, ValueError):
    print("no wapiti report"); sys.exit(0)
vulns = {k: v for k, v in data.get("vulnerabilities", {}).items() if v}
anomalies = {k: v for k, v in data.get("anomalies", {}).items() if v}
print("wapiti vulnerabilities:", {k: len(v) for k, v in vulns.items()} or "none")
print("wapiti anomalies:", {k: len(v) for k, v in anomalies.items()} or "none")
for kind, items in list(vulns.items()) + list(anomalies.items()):
    for item in items:
        print(f'  {kind}: {item.get("method")} {item.get("path")} {item.get("parameter", "")} — {item.get("info", "")[:160]}')
crawled = data.get("infos", {}).get("crawled_pages_nbr") or len(data.get("infos", {}).get("crawled_pages", []))
print("pages crawled:", crawled)
# Header/cookie/CSP notes are judged in docs/security.md; injections fail the run.
# wapiti's CSRF module only knows tokens named like "csrf_token"; forms with a prefix (several
# forms on one page) send "<prefix>-csrf_token", which Flask-WTF checks (see
# tests/web/test_families_access.py::test_prefixed_csrf_tokens_are_checked): not a finding.
import re
def real(kind, item):
    if kind == "Cross Site Request Forgery":
        body = item.get("http_request", "").split("\n\n", 1)[-1]
        return not re.search(r"(^|&)[\w-]+-csrf_token=[^&]+", body)
    return True
vulns = {k: [i for i in v if real(k, i)] for k, v in vulns.items()}
vulns = {k: v for k, v in vulns.items() if v}
serious = {k: v for k, v in vulns.items() if k.lower().startswith(("sql", "blind sql", "cross site", "command", "path", "crlf", "open redirect", "stored", "reflected", "time"))}
sys.exit(1 if serious else 0)
EOF
}

sqlmap_run() {
  local name="$1"; shift
  say "sqlmap ($name), at most $SQLMAP_SECONDS s"
  timeout "$SQLMAP_SECONDS" "$SEC/sqlmap" --batch --disable-coloring --level 2 --risk 1 \
      --time-sec 2 --timeout 10 --retries 0 --output-dir "$OUT/sqlmap-$name" "$@" \
      >"$OUT/sqlmap-$name.log" 2>&1 || echo "(sqlmap ended with status $? — a time-out ends a run early)"
  if grep -qiE "is vulnerable|sqlmap identified the following injection point|appears to be injectable" \
      "$OUT/sqlmap-$name.log"; then
    grep -iE "is vulnerable|injection point|appears to be" "$OUT/sqlmap-$name.log" | head -20
    fail "sqlmap ($name) found an injection"
  else
    echo "sqlmap ($name): no injection found; tested: $(grep -ciE "testing '" "$OUT/sqlmap-$name.log") payload groups"
    grep -iE "all tested parameters do not appear|not injectable" "$OUT/sqlmap-$name.log" | head -5 || true
  fi
}

dynamic() {
  start_server || return 0
  wapiti_run anonymous
  local cookie
  cookie="$(login_cookie coordinator@demo.test)"
  printf '{"127.0.0.1": {"/": {"session": {"value": "%s", "version": 0, "expires": null, "secure": false, "port": null}}}}' \
      "$cookie" >"$OUT/wapiti-cookie.json"
  wapiti_run coordinator -c "$OUT/wapiti-cookie.json"

  sqlmap_run login -u "$BASE/login" --data "email=a%40example.org&password=x&csrf_token=" \
      --csrf-token csrf_token --csrf-url "$BASE/login" -p "email,password"
  cookie="$(login_cookie coordinator@demo.test)"
  sqlmap_run lists -u "$BASE/families?q=a&programme=1&status=waiting&page=1" \
      --cookie "session=$cookie" --skip-urlencode
  cookie="$(login_cookie coordinator@demo.test)"
  sqlmap_run volunteers -u "$BASE/volunteers?q=a&programme=1&ready=1&language=ar" \
      --cookie "session=$cookie"
  cookie="$(login_cookie coordinator@demo.test)"
  sqlmap_run forms -u "$BASE/dashboard" --cookie "session=$cookie" --forms --crawl 2 \
      --crawl-exclude "logout|sessions|password|two-factor|delete|static" \
      --csrf-token csrf_token
  stop_server
}

tools
for step in $STEPS; do
  case "$step" in
    static) static ;;
    sbom) sbom ;;
    dynamic) dynamic ;;
    *) echo "unknown step $step (static, sbom, dynamic)"; exit 2 ;;
  esac
done
say "reports in $OUT"
if [ "$FAILED" != 0 ]; then
  echo "security checks FAILED"
  exit 1
fi
echo "security checks passed"
