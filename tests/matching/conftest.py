"""Shared helpers for the matching tests.

The project is normally pip-installed editable; when ``matching`` is not importable (an
editable install made before the package existed), fall back to the repository root.
"""

import importlib.util
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if importlib.util.find_spec("matching") is None:  # pragma: no cover - environment fallback
    sys.path.insert(0, str(REPO))
