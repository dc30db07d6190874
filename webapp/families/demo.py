"""Demo families (filled in by the families area)."""


def seed_families(rng, programmes) -> None:
    """Add the demo families; ``programmes`` maps programme type code → Programme."""
