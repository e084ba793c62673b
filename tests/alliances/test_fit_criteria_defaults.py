"""The default fit criteria are German; an upgrade renames the untouched English defaults only."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from handschlag.alliances.models import FitCriterion

pytestmark = pytest.mark.django_db

german_defaults = importlib.import_module("handschlag.alliances.migrations.0003_german_fit_criteria")


def test_a_new_installation_starts_with_german_criteria() -> None:
    assert list(FitCriterion.objects.order_by("position").values_list("name", "category", "weight")) == [
        ("Gemeinsame Zielkunden und Märkte", "strategic", 3),
        ("Ergänzendes Angebot (kein Wettbewerb)", "strategic", 3),
        ("Rückhalt der Geschäftsleitung auf beiden Seiten", "strategic", 2),
        ("Gemeinsames Umsatzpotenzial", "economic", 3),
        ("Nutzen in beide Richtungen", "economic", 2),
        ("Unsere Verkäufer und die des Partners arbeiten gut zusammen", "operational", 2),
        ("Unternehmenskultur und Verlässlichkeit", "operational", 1),
    ]


def test_the_upgrade_renames_untouched_english_defaults_and_keeps_edited_ones() -> None:
    # given an installation from before: English defaults, one renamed by a user, one weight edited
    FitCriterion.objects.all().delete()
    FitCriterion.objects.create(name="Shared target customers and markets", category="strategic", weight=3)
    FitCriterion.objects.create(name="Joint revenue potential", category="economic", weight=7)
    FitCriterion.objects.create(name="Our own wording", category="strategic", weight=2)
    FitCriterion.objects.create(name="Value flows both ways", category="operational", weight=2)  # moved

    german_defaults.to_german(apps, None)

    assert sorted(FitCriterion.objects.values_list("name", "weight")) == [
        ("Gemeinsame Zielkunden und Märkte", 3),
        ("Gemeinsames Umsatzpotenzial", 7),
        ("Our own wording", 2),
        ("Value flows both ways", 2),
    ]
    german_defaults.to_english(apps, None)
    assert FitCriterion.objects.filter(name="Shared target customers and markets").exists()
