"""Database models, one module per area; imported here so Alembic sees them all."""
from .accounts import (  # noqa: F401
    Organisation, Programme, ProgrammeType, User, UserSession, Role, coordinator_programmes,
)
from .audit import AuditEntry  # noqa: F401
from .jobs import Job  # noqa: F401
from .messages import Message  # noqa: F401
from .messaging import *  # noqa: F401,F403,E402
from .volunteers import *  # noqa: F401,F403,E402
from .families import *  # noqa: F401,F403,E402
from .matches import *  # noqa: F401,F403,E402
from .privacy import *  # noqa: F401,F403,E402
from .groups import *  # noqa: F401,F403,E402
from .training import *  # noqa: F401,F403,E402
