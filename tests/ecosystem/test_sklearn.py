"""FCNClassifier: scikit-learn's own conformance suite, and use in real scikit-learn workflows."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn.base import clone  # noqa: E402
from sklearn.datasets import load_iris, make_classification  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import GridSearchCV, cross_val_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from fcnn.nn import MLP  # noqa: E402
from fcnn.sklearn import FCNClassifier  # noqa: E402
from fcnn.train import predict_scores  # noqa: E402

# The tests below that do not check convergence train on purpose for a few epochs only.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

# Small and fast, but trained enough for the suite's accuracy checks; the second instance
# switches on what MLPClassifier lacks (dropout, batch norm, Leaky ReLU, hinge loss,
# early stopping on the validation loss).
CONFORMANCE = [
    FCNClassifier(hidden=(16,), lr=0.05, epochs=30, random_state=0),
    FCNClassifier(hidden=(16, 16), activation="leaky_relu", negative_slope=0.1, dropout=0.1,
                  batchnorm=True, loss="hinge", lr=0.05, epochs=30, early_stopping=True,
                  random_state=0),
]


@parametrize_with_checks(CONFORMANCE)
def test_scikit_learn_conformance(estimator, check) -> None:
    check(estimator)


@pytest.fixture(scope="module")
def iris() -> tuple[np.ndarray, np.ndarray]:
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def test_pipeline_cross_val_score_and_grid_search() -> None:
    X, y = load_iris(return_X_y=True)
    pipe = make_pipeline(StandardScaler(), FCNClassifier(hidden=(16,), lr=0.02, epochs=60,
                                                         random_state=0))
    assert cross_val_score(pipe, X, y, cv=3).mean() > 0.9
    search = GridSearchCV(pipe, {"fcnclassifier__activation": ["relu", "tanh"],
                                 "fcnclassifier__dropout": [0.0, 0.2]}, cv=3)
    search.fit(X, y)
    assert set(search.best_params_) == {"fcnclassifier__activation", "fcnclassifier__dropout"}
    assert search.best_score_ > 0.9
    assert search.score(X, y) > 0.9


def test_string_labels_probabilities_and_mlp_views(iris) -> None:
    X, y = iris
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    clf = FCNClassifier(hidden=(8, 6), lr=0.02, epochs=40, random_state=1).fit(X, names)
    assert clf.classes_.tolist() == ["setosa", "versicolor", "virginica"]
    proba = clf.predict_proba(X)
    assert proba.shape == (150, 3) and np.allclose(proba.sum(axis=1), 1)
    assert np.array_equal(clf.classes_[proba.argmax(axis=1)], clf.predict(X))
    assert np.allclose(np.log(proba), clf.predict_log_proba(X))
    assert [c.shape for c in clf.coefs_] == [(4, 8), (8, 6), (6, 3)]
    assert [b.shape for b in clf.intercepts_] == [(8,), (6,), (3,)]
    assert isinstance(clf.model_, MLP)
    # the fcnn model behind the estimator gives the same scores
    assert np.allclose(predict_scores(clf.model_, X), clf.decision_function(X), atol=1e-5)


def test_validation_loss_curve_and_early_stopping(iris) -> None:
    X, y = iris
    clf = FCNClassifier(hidden=(16,), lr=0.05, epochs=200, early_stopping=True,
                        n_iter_no_change=3, random_state=0).fit(X, y)
    assert len(clf.validation_loss_curve_) == len(clf.loss_curve_) == clf.n_iter_ < 200
    assert len(clf.validation_scores_) == clf.n_iter_
    assert clf.history_.stopped_early
    # the kept weights are those of the epoch with the lowest validation loss
    assert clf.history_.best_epoch == 1 + int(np.argmin(clf.validation_loss_curve_))
    assert clf.t_ == clf.n_iter_ * (150 - 15)
    no_validation = FCNClassifier(epochs=2, validation_fraction=0.0, tol=None).fit(X, y)
    assert no_validation.validation_loss_curve_ is None and no_validation.t_ == 300


def test_warm_start_continues_and_plain_fit_restarts(iris) -> None:
    X, y = iris
    params = {"hidden": (8,), "lr": 0.01, "epochs": 3, "tol": None, "random_state": 0}
    warm = FCNClassifier(warm_start=True, **params).fit(X, y)
    after_first = warm.loss_curve_[-1]
    warm.fit(X, y)
    assert warm.n_iter_ == 6 and len(warm.loss_curve_) == 6
    assert warm.loss_curve_[3] < after_first + 1e-3  # continues from the trained weights
    cold = FCNClassifier(**params).fit(X, y)
    first_weights = cold.coefs_[0].copy()
    cold.fit(X, y)
    assert cold.n_iter_ == 3 and np.array_equal(cold.coefs_[0], first_weights)


def test_partial_fit_learns_in_batches(iris) -> None:
    X, y = iris
    clf = FCNClassifier(hidden=(16,), lr=0.01, random_state=0)
    order = np.random.default_rng(0).permutation(150)
    for _ in range(15):
        for chunk in np.array_split(order, 3):
            clf.partial_fit(X[chunk], y[chunk], classes=[0, 1, 2])
    assert clf.n_iter_ == 45 and clf.t_ == 15 * 150
    assert clf.score(X, y) > 0.9
    with pytest.raises(ValueError, match="not in classes_"):
        clf.partial_fit(X[:5], np.array([0, 1, 2, 3, 0]))


def test_pickle_round_trip_predicts_the_same(iris) -> None:
    X, y = iris
    clf = FCNClassifier(hidden=(8,), epochs=5, tol=None, random_state=0).fit(X, y)
    copy = pickle.loads(pickle.dumps(clf))
    assert np.array_equal(copy.predict_proba(X), clf.predict_proba(X))
    assert clone(clf).get_params() == clf.get_params()


def test_convergence_warning_when_still_improving(iris) -> None:
    X, y = iris
    with pytest.warns(ConvergenceWarning, match="epochs=2"):
        FCNClassifier(epochs=2, random_state=0).fit(X, y)


def test_batch_norm_never_gets_a_batch_of_one() -> None:
    X, y = make_classification(n_samples=223, n_features=5, random_state=0)
    # 223 - 22 validation rows = 201 = 4 * 50 + 1: the batch size grows by one instead
    clf = FCNClassifier(batchnorm=True, batch_size=50, epochs=2, tol=None, random_state=0)
    assert clf.fit(X, y).n_iter_ == 2


@pytest.mark.parametrize("params, X, y, message", [
    ({}, [[0.0], [1.0]], [1, 1], "at least 2 classes"),
    ({"early_stopping": True, "validation_fraction": 0.0}, [[0.0], [1.0]], [0, 1],
     "validation_fraction > 0"),
    ({"validation_fraction": 1.5}, [[0.0], [1.0]], [0, 1], r"validation_fraction must be in"),
    ({"activation": "gelu"}, [[0.0], [1.0]], [0, 1],
     "FCNClassifier: activation: expected one of relu, .*got 'gelu'"),
    ({"loss": "l1"}, [[0.0], [1.0]], [0, 1],
     "FCNClassifier: loss: expected one of cross_entropy, hinge, squared_error.*got 'l1'"),
    ({"optimizer": "rmsprop"}, [[0.0], [1.0]], [0, 1],
     "FCNClassifier: optimizer: expected one of sgd, adam, adamw; got 'rmsprop'"),
    ({"momentum": 0.9}, [[0.0], [1.0]], [0, 1],
     "FCNClassifier: momentum: applies to optimizer sgd, not to adam"),
    ({"hidden": "64"}, [[0.0], [1.0]], [0, 1],
     "FCNClassifier: hidden: expected a list of values, each an integer >= 1; got '64'"),
])
def test_bad_settings_are_clear_errors(params, X, y, message) -> None:
    with pytest.raises(ValueError, match=message):
        FCNClassifier(epochs=1, **params).fit(np.array(X), np.array(y))


def test_partial_fit_needs_classes_first(iris) -> None:
    X, y = iris
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        FCNClassifier().partial_fit(X, y)


def test_hidden_as_a_single_int(iris) -> None:
    X, y = iris
    clf = FCNClassifier(hidden=5, epochs=1, tol=None).fit(X, y)
    assert clf.model_.config["hidden"] == [5] and clf.hidden == 5
