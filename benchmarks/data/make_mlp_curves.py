"""Regenerate `mlp_digits_curves.npz`: learning curves of MLPClassifier on scikit-learn's digits, epoch by epoch.

    python benchmarks/data/make_mlp_curves.py [--jobs N]     # ~10 min of CPU in all

Every config of a small grid (learning rate x width x batch size x L2 penalty) trains with `partial_fit`, one call
per epoch, for `EPOCHS` epochs on a fixed 70/30 split; after each epoch the validation accuracy and log-loss are
recorded. Curves cross: large learning rates lead early, small ones catch up late or never. The simulated duration
of an epoch follows a fixed cost model (`epoch_seconds`), not the measured time, so the table is reproducible.
"""
from __future__ import annotations

import argparse
import itertools
import sys
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

EPOCHS = 81
LEARNING_RATES = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2)
WIDTHS = (16, 32, 64, 128)
BATCH_SIZES = (64, 256)
ALPHAS = (1e-4,)
OUT = Path(__file__).with_name("mlp_digits_curves.npz")


def epoch_seconds(width: int, batch_size: int) -> float:
    """Simulated seconds per epoch: a fixed part, a part growing with the width, one per mini-batch."""
    return 1.0 + 0.04 * width + 120.0 / batch_size


def curves(index: int, lr: float, width: int, batch: int, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Validation accuracy and log-loss after each of `EPOCHS` epochs of one config."""
    from sklearn.datasets import load_digits
    from sklearn.metrics import log_loss
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier

    warnings.filterwarnings("ignore")
    features, labels = load_digits(return_X_y=True)
    x_train, x_val, y_train, y_val = train_test_split(
        features / 16.0, labels, test_size=0.3, random_state=0, stratify=labels
    )
    classes = np.arange(10)
    accuracy = np.zeros(EPOCHS, dtype=np.float32)
    loss = np.zeros(EPOCHS, dtype=np.float32)
    model = MLPClassifier(hidden_layer_sizes=(width,), learning_rate_init=lr, batch_size=batch, alpha=alpha,
                          random_state=index)
    for epoch in range(EPOCHS):
        model.partial_fit(x_train, y_train, classes=classes)
        proba = model.predict_proba(x_val)
        accuracy[epoch] = float(np.mean(classes[proba.argmax(axis=1)] == y_val))
        loss[epoch] = log_loss(y_val, proba, labels=classes)
    print(f"{index} lr={lr} width={width} batch={batch} alpha={alpha} acc@1={accuracy[0]:.3f} "
          f"acc@{EPOCHS}={accuracy[-1]:.3f}", file=sys.stderr)
    return accuracy, loss


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1, help="processes (default 1)")
    jobs = parser.parse_args(argv).jobs
    grid = list(itertools.product(LEARNING_RATES, WIDTHS, BATCH_SIZES, ALPHAS))
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        done = list(pool.map(curves, range(len(grid)), *zip(*grid)))
    accuracy = np.stack([acc for acc, _ in done])
    loss = np.stack([lo for _, lo in done])
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
