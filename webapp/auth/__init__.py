"""Authentication: login (password and second factor), logout, password reset and change,
server-side sessions and the list of one's own sessions."""
from flask import Blueprint

bp = Blueprint("auth", __name__)

from . import routes  # noqa: E402,F401
from . import account  # noqa: E402,F401
from . import details  # noqa: E402,F401
