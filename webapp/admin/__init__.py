"""Administration: organisations, programmes, users, the training catalogue and the local
outbox."""
from flask import Blueprint

bp = Blueprint("admin", __name__)

from . import routes  # noqa: E402,F401
from . import organisations, programmes  # noqa: E402,F401
from . import users  # noqa: E402,F401
from . import catalogue  # noqa: E402,F401
