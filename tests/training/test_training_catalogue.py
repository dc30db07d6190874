"""The seeded catalogue, and the package's independence from the web layer."""

import subprocess
import sys
from pathlib import Path

import pytest

from training import ADDITIONAL_CHECK, CATALOGUE, VOG, CatalogueItem, Part, make_catalogue

ROOT = Path(__file__).resolve().parents[2]


def test_catalogue_codes():
    assert list(CATALOGUE) == [
        "pharos_elearning",
        "themabijeenkomst",
        "cultuursensitief_werken",
        "waardenopvoeding",
        "basis_homestart",
        "basis_mim",
        "basis_steunouder",
        "basis_spelaanhuis",
        "basis_pou",
        VOG,
        ADDITIONAL_CHECK,
    ]


def test_pharos_elearning_has_six_themes_and_expires_after_three_years():
    item = CATALOGUE["pharos_elearning"]
    assert item.kind == "elearning"
    assert item.validity_months == 36
    assert item.url.startswith("https://")
    assert item.part_codes == (
        "elkaar_begrijpen",
        "laaggeletterdheid",
        "veerkracht",
        "opvoeding_jeugd",
        "gevoelige_onderwerpen",
        "ketensamenwerking",
    )
    assert [p.title_nl for p in item.parts] == [
        "Elkaar echt begrijpen",
        "Laaggeletterdheid",
        "Veerkracht en psychische gezondheid",
        "Opvoeding en jeugd",
        "Gevoelige onderwerpen",
        "Ketensamenwerking",
    ]


@pytest.mark.parametrize(
    ("code", "kind", "validity", "coordinator_recorded"),
    [
        ("themabijeenkomst", "session", None, True),
        ("cultuursensitief_werken", "course", None, False),
        ("waardenopvoeding", "session", None, False),
        ("basis_pou", "course", None, False),
        (VOG, "vog", None, True),
        (ADDITIONAL_CHECK, "check", None, True),
    ],
)
def test_item_kinds(code, kind, validity, coordinator_recorded):
    item = CATALOGUE[code]
    assert (item.kind, item.validity_months, item.coordinator_recorded) == (
        kind,
        validity,
        coordinator_recorded,
    )
    assert item.title_nl and item.title_en


def test_every_item_has_both_titles():
    assert all(i.title_nl and i.title_en and i.code == c for c, i in CATALOGUE.items())
    assert CATALOGUE["basis_pou"].title_nl == "Basistraining Preventieve Ouderschapsondersteuning"


@pytest.mark.parametrize(
    "build",
    [
        lambda: CatalogueItem("x", "x", "x", "webinar"),
        lambda: CatalogueItem("x", "x", "x", "course", validity_months=0),
        lambda: CatalogueItem("x", "x", "x", "course", parts=(Part("a", "a", "a"),) * 2),
        lambda: make_catalogue([CatalogueItem("x", "x", "x", "course")] * 2),
    ],
)
def test_bad_catalogue_data_is_refused(build):
    with pytest.raises(ValueError):
        build()


def test_catalogue_is_read_only():
    with pytest.raises(TypeError):
        CATALOGUE["new"] = CATALOGUE["vog"]  # type: ignore[index]


def test_training_does_not_import_the_web_layer():
    code = (
        "import sys, training, training.reminders; "
        "bad = sorted(m for m in sys.modules "
        "if m.split('.')[0] in {'flask', 'sqlalchemy', 'webapp', 'matching'}); "
        "print(bad)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
