"""Regenerate `mlp_digits_curves.npz`: learning curves of MLPClassifier on scikit-learn's digits, epoch by epoch.

    python benchmarks/data/make_mlp_curves.py          # ~10-15 min on one core

Every config of a small grid (learning rate x width x batch size x L2 penalty) trains with `partial_fit`, one call
per epoch, for `EPOCHS` epochs on a fixed 70/30 split; after each epoch the validation accuracy and log-loss are
recorded. Curves cross: large learning rates lead early, small ones catch up late or never. The simulated duration
of an epoch follows a fixed cost model (`epoch_seconds`), not the measured time, so the table is reproducible.
"""
from __future__ import annotations

import itertools
import sys
import warnings
from pathlib import Path

import numpy as np

EPOCHS = 81
LEARNING_RATES = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2)
WIDTHS = (16, 32, 64, 128)
BATCH_SIZES = (32, 128)
ALPHAS = (1e-4, 1e-2)
OUT = Path(__file__).with_name("mlp_digits_curves.npz")


def epoch_seconds(width: int, batch_size: int) -> float:
    """Simulated seconds per epoch: a fixed part, a part growing with the width, one per mini-batch."""
    return 1.0 + 0.04 * width + 120.0 / batch_size


def main() -> None:
    from sklearn.datasets import load_digits
    from sklearn.metrics import log_loss
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier

    warnings.filterwarnings("ignore")
    features, labels = load_digits(return_X_y=True)
    x_train, x_val, y_train, y_val = train_test_split(
        features / 16.0, labels, test_size=0.3, random_state=0, stratify=labels
    )
    grid = list(itertools.product(LEARNING_RATES, WIDTHS, BATCH_SIZES, ALPHAS))
    accuracy = np.zeros((len(grid), EPOCHS), dtype=np.float32)
    loss = np.zeros((len(grid), EPOCHS), dtype=np.float32)
    classes = np.arange(10)
    for index, (lr, width, batch, alpha) in enumerate(grid):
        model = MLPClassifier(hidden_layer_sizes=(width,), learning_rate_init=lr, batch_size=batch, alpha=alpha,
                              random_state=index)
        for epoch in range(EPOCHS):
            model.partial_fit(x_train, y_train, classes=classes)
            proba = model.predict_proba(x_val)
            accuracy[index, epoch] = float(np.mean(classes[proba.argmax(axis=1)] == y_val))
            loss[index, epoch] = log_loss(y_val, proba, labels=classes)
        print(f"{index + 1}/{len(grid)} lr={lr} width={width} batch={batch} alpha={alpha} "
              f"acc@1={accuracy[index, 0]:.3f} acc@{EPOCHS}={accuracy[index, -1]:.3f}", file=sys.stderr)
    table = np.array(grid, dtype=np.float64)
    np.savez_compressed(
        OUT, learning_rate_init=table[:, 0], width=table[:, 1].astype(np.int32),
        batch_size=table[:, 2].astype(np.int32), alpha=table[:, 3],
        epoch_seconds=np.array([epoch_seconds(int(w), int(b)) for _, w, b, _ in grid]),
        val_accuracy=accuracy, val_loss=loss,
    )
    print(f"wrote {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
