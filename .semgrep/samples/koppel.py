# Rule tests for koppel.yml: `scripts/security.sh checks that every `ruleid:` line in .semgrep/samples is found`
import pickle
import subprocess

from flask import redirect, render_template_string, request
from markupsafe import Markup
from sqlalchemy import text


def bad(db, name, user_text):
    # ruleid: koppel-sql-string-formatting
    db.session.execute(text(f"SELECT * FROM family WHERE name = '{name}'"))
    # ruleid: koppel-sql-string-formatting
    db.session.execute(text("SELECT * FROM family WHERE name = '%s'" % name))
    # ruleid: koppel-sql-string-formatting
    db.session.execute(text("SELECT * FROM family WHERE name = '" + name + "'"))
    # ruleid: koppel-sql-string-formatting
    db.engine.raw_connection().cursor().execute("DELETE FROM x WHERE id = {}".format(name))
    # ruleid: koppel-no-render-template-string
    render_template_string(user_text)
    # ruleid: koppel-no-markup-on-data
    Markup(user_text)
    # ruleid: koppel-open-redirect
    redirect(request.args.get("next"))
    # ruleid: koppel-no-shell-or-unsafe-deserialisation
    subprocess.run("ls " + name, shell=True)
    # ruleid: koppel-no-shell-or-unsafe-deserialisation
    pickle.loads(user_text)


def good(db, name):
    # ok: koppel-sql-string-formatting
    db.session.execute(text("SELECT * FROM family WHERE name = :name"), {"name": name})
    # ok: koppel-no-markup-on-data
    Markup("<br>")
