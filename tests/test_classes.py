"""Class codes and the class-mix correction, by hand."""
import numpy as np
import pytest


def test_prior_shift_by_hand():
    from specml_utils.classes import prior_weights, shift_prior

    # trained on a balanced mix, applied to a survey with 3 stars per quasar (two classes)
    w = prior_weights([100, 100], [3, 1])
    assert np.allclose(w, [1.0, 1 / 3])
    p = shift_prior(np.array([[0.5, 0.5], [0.2, 0.8]]), w)
    # 0.5·3 : 0.5·1 → 0.75 / 0.25;  0.2·3 : 0.8·1 → 0.6/1.4 = 0.4286 / 0.5714
    assert np.allclose(p, [[0.75, 0.25], [0.6 / 1.4, 0.8 / 1.4]])
    assert shift_prior(p, None) is p
    with pytest.raises(ValueError):
        prior_weights([1, 0], [1, 1])
