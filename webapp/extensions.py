"""Flask extensions, created once here and bound to the app in ``create_app``."""
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData

# Stable constraint names, so Alembic migrations are the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING))
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


class KoppelLimiter(Limiter):
    """Flask-Limiter that never turns a storage outage into an error page.

    When the shared storage (Redis) cannot be reached, limits are counted in this process's
    memory instead (Flask-Limiter logs one warning when it switches, and switches back when
    the storage answers again); any other storage error is logged and the request goes on.
    """

    def init_app(self, app) -> None:
        if str(app.config.get("RATELIMIT_STORAGE_URI") or "").startswith("redis"):
            # an unreachable host must not hold a login for minutes before the fallback
            app.config.setdefault("RATELIMIT_STORAGE_OPTIONS",
                                  {"socket_connect_timeout": 2, "socket_timeout": 2})
        super().init_app(app)
        # one Limiter serves every app of a process: a new app starts with its own storage,
        # not with the previous app's outage
        self._storage_dead = False

    @property
    def in_fallback(self) -> bool:
        """True while limits are counted in memory because the storage is unreachable."""
        return bool(self._storage_dead)


limiter = KoppelLimiter(key_func=get_remote_address, default_limits=[],
                        in_memory_fallback_enabled=True, swallow_errors=True)
