"""evaluation: drawing and selecting rows of a split."""
import numpy as np

from specml_utils.evaluation import sample, subset


def _split(n=10):
    return {"label": np.arange(n) % 4, "X": np.arange(n * 3, dtype=float).reshape(n, 3),
            "class_names": np.array(["STAR", "GALAXY", "QSO", "QSO_BAL"]), "provenance": {"config": {}}}


def test_sample_draws_that_many_rows_in_their_order_and_keeps_what_is_not_per_spectrum():
    d = _split(10)
    s = sample(d, 4, seed=3)
    assert len(s["label"]) == 4 and s["X"].shape == (4, 3)
    rows = s["X"][:, 0] / 3                       # which rows were kept, from their values
    assert np.all(np.diff(rows) > 0)              # in the split's order
    assert np.array_equal(s["label"], d["label"][rows.astype(int)])
    assert s["provenance"] is d["provenance"] and np.array_equal(s["class_names"], d["class_names"])
    assert np.array_equal(sample(d, 4, seed=3)["X"], s["X"])   # the same draw for the same seed
    assert not np.array_equal(sample(d, 4, seed=4)["X"], s["X"])


def test_sample_of_zero_or_more_than_the_split_is_the_split():
    d = _split(6)
    assert sample(d, 0) is d and sample(d, 6) is d and sample(d, 60) is d


def test_subset_keeps_the_masked_rows_of_per_spectrum_arrays():
    d = _split(5)
    s = subset(d, d["label"] == 1)
    assert np.array_equal(s["X"], d["X"][[1]]) and set(s) == {"label", "X"}
