"""Pure scoring rules: weighted final scores and predicate bands at and around every boundary."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lms.results.queries.results_table import ResultRow
from lms.results.services import DEFAULT_BANDS, predicate_for, rank_rows, weighted_final


@pytest.mark.parametrize(
    "score,predicate",
    [
        (100, "Sangat Memuaskan"),
        (90.01, "Sangat Memuaskan"),
        (90, "Memuaskan"),
        (89.99, "Memuaskan"),
        (80.01, "Memuaskan"),
        (80, "Cukup Memuaskan"),
        (79.99, "Cukup Memuaskan"),
        (70.01, "Cukup Memuaskan"),
        (70, "Kurang Memuaskan"),
        (69.99, "Kurang Memuaskan"),
        (60.01, "Kurang Memuaskan"),
        (60, "Tidak Memuaskan"),
        (59.99, "Tidak Memuaskan"),
        (0, "Tidak Memuaskan"),
    ],
)
def test_default_bands_at_and_around_each_boundary(score, predicate):
    assert predicate_for(score, DEFAULT_BANDS) == predicate
    assert predicate_for(Decimal(str(score)), DEFAULT_BANDS) == predicate


def test_bands_are_data_in_any_order():
    bands = [("C", 50.0), ("Lain", None), ("A", 85.5), ("B", 70.0)]
    assert predicate_for(85.51, bands) == "A"
    assert predicate_for(85.5, bands) == "B"
    assert predicate_for(50, bands) == "Lain"
    assert predicate_for(50.01, bands) == "C"


WEIGHTS = [("akademik", 30), ("sikap", 20), ("proyek", 50)]


def test_weighted_final_uses_the_weights():
    # 0.3*80 + 0.2*90 + 0.5*70 = 24 + 18 + 35 = 77
    assert weighted_final({"akademik": 80, "sikap": 90, "proyek": 70}, WEIGHTS) == Decimal("77.00")
    # Unequal weights change the result: with the project weighing most, a weak project hurts.
    assert weighted_final({"akademik": 100, "sikap": 100, "proyek": 50}, WEIGHTS) == Decimal("75.00")


def test_weighted_final_rounds_half_up_to_two_places():
    # (90.005*1)/1 stays exact in Decimal and rounds half up: float arithmetic would give 90.0
    assert weighted_final({"a": 90.005}, [("a", 1)]) == Decimal("90.01")
    assert weighted_final({"a": 90.004}, [("a", 1)]) == Decimal("90.00")
    # 1/3 weights: (91 + 90 + 89.03)/3 = 90.01
    assert weighted_final({"a": 91, "b": 90, "c": 89.03}, [("a", 1), ("b", 1), ("c", 1)]) == Decimal("90.01")


def test_weighted_scores_land_on_the_boundaries():
    # Exactly 90 is "Memuaskan" (strictly above 90 is needed), 90.01 is "Sangat Memuaskan".
    at = weighted_final({"akademik": 90, "sikap": 90, "proyek": 90}, WEIGHTS)
    above = weighted_final({"akademik": 90.05, "sikap": 90, "proyek": 90}, WEIGHTS)  # 90.015 -> 90.02
    assert (at, predicate_for(at, DEFAULT_BANDS)) == (Decimal("90.00"), "Memuaskan")
    assert above == Decimal("90.02") and predicate_for(above, DEFAULT_BANDS) == "Sangat Memuaskan"


def test_missing_component_means_no_final_score():
    assert weighted_final({"akademik": 80, "sikap": None, "proyek": 70}, WEIGHTS) is None
    assert weighted_final({"akademik": 80, "proyek": 70}, WEIGHTS) is None


class _E:
    def __init__(self, ndh):
        self.ndh = ndh


class _U:
    def __init__(self, name):
        self.full_name = name


def _row(name, final, ndh):
    return ResultRow(None, _E(ndh), _U(name), {}, final, None, None, 0, None)


def test_ranking_is_competition_style_and_missing_scores_come_last():
    rows = rank_rows([_row("C", 80.0, 3), _row("A", 91.0, 1), _row("X", None, 4), _row("B", 80.0, 2)])
    assert [(r.user.full_name, r.rank) for r in rows] == [("A", 1), ("B", 2), ("C", 2), ("X", None)]
