"""Demo volunteers and their training records (filled in by the volunteers area)."""


def seed_volunteers(rng, programmes) -> None:
    """Add the demo volunteers; ``programmes`` maps programme type code → Programme."""
