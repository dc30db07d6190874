"""Dutch 4-digit postcode (PC4) coordinates and great-circle distances.

The table ``data/nl_pc4.csv`` is derived from GeoNames — "Postal code data © GeoNames
(www.geonames.org), CC BY 4.0"; see ``data/nl_pc4.SOURCE.md``.  An unknown postcode is an
error (:class:`UnknownPostcode`), never a silent zero distance.
"""

from __future__ import annotations

import csv
import re
from functools import lru_cache
from importlib import resources

import numpy as np

EARTH_RADIUS_KM = 6371.0088
ATTRIBUTION = "Postal code data © GeoNames (www.geonames.org), CC BY 4.0"
_PC = re.compile(r"^\s*([1-9][0-9]{3})\s*([A-Za-z]{2})?\s*$")


class UnknownPostcode(ValueError):
    """A postcode that is malformed or not in the PC4 table; ``postcode`` holds the input."""

    def __init__(self, postcode: object, who: str | None = None):
        self.postcode = postcode
        self.who = who
        where = f"{who}: " if who else ""
        super().__init__(f"{where}unknown postcode {postcode!r}")


def normalise_pc4(postcode: object) -> str:
    """``"2311 AB"``, ``"2311ab"`` or ``2311`` → ``"2311"``; raises :class:`UnknownPostcode`."""
    m = _PC.match(str(postcode)) if isinstance(postcode, (str, int)) else None
    if not m:
        raise UnknownPostcode(postcode)
    return m.group(1)


class Pc4Table:
    """PC4 → (lat, lon) lookup."""

    def __init__(self, rows: dict[str, tuple[float, float, str, str]]):
        self._rows = rows

    @classmethod
    def from_csv(cls, path: str | None = None) -> Pc4Table:
        """Load a ``pc4,lat,lon,place,municipality`` CSV (default: the packaged table)."""
        if path is None:
            text = resources.files("matching").joinpath("data/nl_pc4.csv").read_text("utf-8")
            lines = text.splitlines()
        else:
            with open(path, encoding="utf-8") as fh:
                lines = fh.read().splitlines()
        rows = {}
        for row in csv.DictReader(lines):
            rows[row["pc4"]] = (float(row["lat"]), float(row["lon"]), row["place"],
                                row["municipality"])
        return cls(rows)

    def __contains__(self, postcode: object) -> bool:
        try:
            return normalise_pc4(postcode) in self._rows
        except UnknownPostcode:
            return False

    def __len__(self) -> int:
        return len(self._rows)

    def codes(self) -> list[str]:
        """All PC4 codes in the table."""
        return list(self._rows)

    def coords(self, postcode: object, who: str | None = None) -> tuple[float, float]:
        """(lat, lon) of a postcode; raises :class:`UnknownPostcode` (naming ``who``)."""
        try:
            row = self._rows.get(normalise_pc4(postcode))
        except UnknownPostcode:
            row = None
        if row is None:
            raise UnknownPostcode(postcode, who)
        return row[0], row[1]

    def municipality(self, postcode: object) -> str:
        """Municipality (gemeente) of a postcode."""
        row = self._rows.get(normalise_pc4(postcode))
        if row is None:
            raise UnknownPostcode(postcode)
        return row[3]

    def bounds(self) -> tuple[float, float]:
        """(min lat, max lat) of the table (used to size the spatial grid)."""
        lats = [r[0] for r in self._rows.values()]
        return min(lats), max(lats)


@lru_cache(maxsize=1)
def default_table() -> Pc4Table:
    """The packaged PC4 table (loaded once)."""
    return Pc4Table.from_csv()


def haversine_km(lat1, lon1, lat2, lon2):
    """Great-circle distance in km; works on floats and numpy arrays."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dl = np.radians(lon2) - np.radians(lon1)
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(1.0, a)))
