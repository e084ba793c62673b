"""The survey figures against values computed by hand."""

from __future__ import annotations

import pytest

from handschlag.alignment import statistics


def test_scaled_maps_likert_to_0_100() -> None:
    assert [statistics.scaled(value) for value in (1, 2, 3, 4, 5)] == [0.0, 25.0, 50.0, 75.0, 100.0]


def test_mean_and_favourable_share() -> None:
    # 2 x 1, 1 x 3, 2 x 5: (0 + 0 + 50 + 100 + 100) / 5 = 50; favourable 2 of 5
    counts = {1: 2, 2: 0, 3: 1, 4: 0, 5: 2}
    assert statistics.mean_scaled(counts) == 50.0
    assert statistics.favourable(counts) == 2
    assert statistics.favourable_share(counts) == 0.4
    assert statistics.mean_scaled({}) is None
    assert statistics.favourable_share({1: 0}) is None


def test_index_is_the_mean_of_the_item_means() -> None:
    assert statistics.index_of([25.0, 75.0, None, 50.0]) == 50.0
    assert statistics.index_of([None]) is None


def test_two_proportion_test_by_hand() -> None:
    # sales 3 of 12 favourable (0.25), marketing 8 of 10 (0.8); pooled 11/22 = 0.5;
    # se = sqrt(0.5 * 0.5 * (1/12 + 1/10)) = sqrt(0.0458333) = 0.214087; z = -0.55 / 0.214087 = -2.5690
    # p = 2 * (1 - Phi(2.5690)) = 2 * (1 - 0.994901) = 0.0102
    test = statistics.two_proportion_test(3, 12, 8, 10)
    assert test is not None
    assert test.z == pytest.approx(-2.5690, abs=1e-4)
    assert test.p_value == pytest.approx(0.0102, abs=1e-4)
    assert test.significant


def test_two_proportion_test_not_significant() -> None:
    # 4 of 10 vs 6 of 10: pooled 0.5, se = sqrt(0.25 * 0.2) = 0.223607, z = -0.894427, p = 0.3711
    test = statistics.two_proportion_test(4, 10, 6, 10)
    assert test is not None
    assert test.z == pytest.approx(-0.894427, abs=1e-6)
    assert test.p_value == pytest.approx(0.3711, abs=1e-4)
    assert not test.significant


def test_two_proportion_test_edges() -> None:
    assert statistics.two_proportion_test(0, 0, 1, 5) is None
    same = statistics.two_proportion_test(5, 5, 7, 7)
    assert same is not None
    assert same.z == 0.0
    assert same.p_value == 1.0


def test_normal_cdf_known_points() -> None:
    assert statistics.normal_cdf(0) == 0.5
    assert statistics.normal_cdf(1.959964) == pytest.approx(0.975, abs=1e-6)


def test_disclosure_suppresses_small_groups_and_the_total() -> None:
    both = statistics.disclosure({"sales": 5, "marketing": 7}, min_group_size=5)
    assert both.shown == {"sales", "marketing"}
    assert both.total_shown
    one = statistics.disclosure({"sales": 12, "marketing": 4}, min_group_size=5)
    assert one.shown == {"sales"}
    assert one.suppressed == {"marketing"}
    assert not one.total_shown  # else marketing = total - sales


def test_disclosure_never_below_three() -> None:
    result = statistics.disclosure({"sales": 2, "marketing": 3}, min_group_size=1)
    assert result.shown == {"marketing"}
