"""Examples 5-17 to 5-19: tune a Keras model with HyperOpt's TPE and report through `TuneReportCallback`.

Differences from the book: Keras 3 with the torch backend (`KERAS_BACKEND=torch`, no TensorFlow needed), and
scikit-learn's bundled 8x8 digits instead of MNIST (nothing is downloaded). Needs `pip install "asktell[ml,hyperopt]"`.
Keras is imported inside the objective so each Ray worker picks the backend before Keras loads.
Run: python examples/ch05_17_keras_hyperopt.py [--smoke]
"""
from __future__ import annotations

import argparse
import os

from hpo_ray import tune
from hpo_ray.tune.suggest.hyperopt import HyperOptSearch

os.environ.setdefault("KERAS_BACKEND", "torch")


# Example 5-17 (digits instead of MNIST).
def load_data():
    from keras.utils import to_categorical
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    x, y = load_digits(return_X_y=True)
    x = x.reshape(-1, 8, 8) / 16.0
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.25, random_state=0)
    num_classes = 10
    y_train = to_categorical(y_train, num_classes)
    y_test = to_categorical(y_test, num_classes)
    return (x_train, y_train), (x_test, y_test)


# Example 5-18.
def objective(config):
    os.environ.setdefault("KERAS_BACKEND", "torch")
    import torch
    from keras.layers import Dense, Dropout, Flatten, Input
    from keras.models import Sequential

    from hpo_ray.tune.integration.keras import TuneReportCallback

    torch.set_num_threads(1)
    (x_train, y_train), (x_test, y_test) = load_data()
    model = Sequential()
    model.add(Input(shape=(8, 8)))  # Keras 3 spelling of Flatten(input_shape=...)
    model.add(Flatten())
    model.add(Dense(config["hidden"], activation=config["activation"]))
    model.add(Dropout(config["rate"]))
    model.add(Dense(10, activation="softmax"))

    model.compile(loss="categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=128, epochs=config.get("epochs", 10), verbose=0,
              validation_data=(x_test, y_test),
              callbacks=[TuneReportCallback({"mean_accuracy": "accuracy"})])


def main(smoke: bool = False):
    # Example 5-19.
    initial_params = [{"rate": 0.2, "hidden": 128, "activation": "relu"}]
    algo = HyperOptSearch(points_to_evaluate=initial_params)

    search_space = {
        "rate": tune.uniform(0.1, 0.5),
        "hidden": tune.randint(32, 512),
        "activation": tune.choice(["relu", "tanh"]),
    }
    if smoke:
        search_space["epochs"] = 3

    analysis = tune.run(
        objective,
        name="keras_hyperopt_exp_smoke" if smoke else "keras_hyperopt_exp",
        search_alg=algo,
        metric="mean_accuracy",
        mode="max",
        stop={"mean_accuracy": 0.99},
        num_samples=2 if smoke else 6,  # the book runs 10; 6 keep the example near a minute on 2 CPUs
        config=search_space,
        resume="AUTO",  # not in the book: a second run reuses the finished experiment of that name
        seed=0,
    )
    print("Best hyperparameters found were: ", analysis.best_config)
    print("best mean_accuracy:", analysis.best_result["mean_accuracy"])
    return analysis


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="two trials of three epochs, for tests")
    main(parser.parse_args().smoke)
