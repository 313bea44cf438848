"""test_study_rules.py — the rules the studies decide by (analysis/c5analysis/studies/common.py,
docs/experiments.md): Holm's step-down, the relevance rule, the headline rule, the overall verdict
from the arms, the one-sided paired p-values and the exact randomisation test of `burden`."""
import os
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "analysis"))

from c5analysis.studies import overall  # noqa: E402
from c5analysis.studies.burden import _permutation_p, _spearman_rows  # noqa: E402
from c5analysis.studies.common import (CANNOT_DISCRIMINATE, INCONCLUSIVE,  # noqa: E402
                                       NOT_REPRODUCED, PARTLY, REPRODUCED, SEED_DEPENDENT,
                                       combine_headline, holm, interval, one_sided_p, relevant)


def test_holm_steps_down_and_stops_at_the_first_failure():
    # alpha/4, alpha/3, alpha/2, alpha for the sorted p-values 0.01, 0.015, 0.03, 0.04:
    # 0.03 > 0.05/2 stops the procedure after two rejections.
    assert holm([0.04, 0.01, 0.03, 0.015]) == [False, True, False, True]
    assert holm([0.04, 0.01, 0.02, 0.012]) == [True, True, True, True]
    # 0.02 > 0.05/3 stops the procedure: the later, smaller-looking ones stay unrejected.
    assert holm([0.001, 0.02, 0.021, 0.04]) == [True, False, False, False]
    assert holm([0.2]) == [False] and holm([0.05]) == [True]
    assert holm([]) == []


def test_relevance_counts_small_effects_as_none():
    up = {"mean": 5.0, "low": 1.0, "high": 9.0}
    assert relevant(up, 4.0) == 1 and relevant(up, 6.0) == 0
    assert relevant(up, 4.0, predicted=-1) == -1
    assert relevant({"mean": -5.0, "low": -9.0, "high": -1.0}, 4.0) == -1
    assert relevant({"mean": 5.0, "low": -1.0, "high": 11.0}, 0.0) == 0


def test_the_headline_part_caps_the_verdict():
    assert combine_headline(1, [1, 1]) == REPRODUCED
    assert combine_headline(1, [0, -1]) == PARTLY
    assert combine_headline(0, [1, 1]) == INCONCLUSIVE
    assert combine_headline(-1, [1, 1]) == NOT_REPRODUCED


def test_overall_verdict_from_arms():
    assert overall([REPRODUCED] * 3, [NOT_REPRODUCED, INCONCLUSIVE, NOT_REPRODUCED]) == REPRODUCED
    assert overall([REPRODUCED] * 3, [NOT_REPRODUCED, PARTLY, NOT_REPRODUCED]) == \
        CANNOT_DISCRIMINATE
    assert overall([REPRODUCED, PARTLY, REPRODUCED], [INCONCLUSIVE] * 3) == SEED_DEPENDENT
    assert overall([NOT_REPRODUCED], [NOT_REPRODUCED]) == NOT_REPRODUCED


def test_one_sided_p_matches_a_t_test_and_handles_no_spread():
    from scipy.stats import ttest_1samp

    rng = np.random.default_rng(7)
    x = rng.normal(0.3, 1.0, 50)
    above, below = one_sided_p(x)
    assert above == pytest.approx(ttest_1samp(x, 0, alternative="greater").pvalue, rel=1e-9)
    assert below == pytest.approx(ttest_1samp(x, 0, alternative="less").pvalue, rel=1e-9)
    assert one_sided_p(np.zeros(10)) == (1.0, 1.0)
    assert one_sided_p(np.full(10, 2.0)) == (0.0, 1.0)
    assert interval(np.zeros(10))["p_above"] == 1.0


def test_spearman_and_the_exact_randomisation_test():
    size = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    rising = np.array([[1.0, 4.0, 9.0, 16.0, 25.0]])  # burden / size = size: rank correlation 1
    assert _spearman_rows(rising / size, size)[0] == pytest.approx(1.0)
    p, count = _permutation_p(rising, size)
    assert count == 120
    # The observed assignment reaches the largest attainable statistic, 1: only the assignments
    # that also reach it count, so p is at least 1/120 and far below one half.
    assert 1 / 120 <= p < 0.25
    # A burden that does not follow size: the observed assignment is one of 120.
    burden = np.array([[5.0, 1.0, 4.0, 2.0, 3.0]]) * size[::-1]
    p, _ = _permutation_p(burden, size)
    assert 0 < p <= 1
