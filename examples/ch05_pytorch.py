"""A plain PyTorch training loop tuned with population-based training: `tune.report(..., checkpoint=...)` each epoch
and `tune.get_checkpoint()` to restore (the trial's own state after a pause, a better trial's after an exploit).

Data: scikit-learn's bundled digits. Needs `pip install "asktell[ml]"` (torch). Run: python examples/ch05_pytorch.py [--smoke]
"""
from __future__ import annotations

import argparse

from hpo_ray import tune
from hpo_ray.tune.schedulers import PopulationBasedTraining


def load_digits_tensors():
    import torch
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    x, y = load_digits(return_X_y=True)
    x_train, x_val, y_train, y_val = train_test_split(x / 16.0, y, test_size=0.25, random_state=0)
    as_x = lambda a: torch.tensor(a, dtype=torch.float32)
    as_y = lambda a: torch.tensor(a, dtype=torch.long)
    return as_x(x_train), as_y(y_train), as_x(x_val), as_y(y_val)


def train_digits(config):
    import torch
    from torch import nn

    torch.set_num_threads(1)
    torch.manual_seed(0)
    x_train, y_train, x_val, y_val = load_digits_tensors()
    model = nn.Sequential(nn.Linear(64, config["hidden"]), nn.ReLU(), nn.Linear(config["hidden"], 10))
    optimizer = torch.optim.SGD(model.parameters(), lr=config["lr"], momentum=config["momentum"])
    start_epoch = 0
    checkpoint = tune.get_checkpoint()
    if checkpoint is not None:  # a paused trial resumes, or PBT copied a better trial's state
        model.load_state_dict(checkpoint["model"])
        optimizer.load_state_dict(checkpoint["optimizer"])
        for group in optimizer.param_groups:  # PBT may have changed lr / momentum
            group["lr"], group["momentum"] = config["lr"], config["momentum"]
        start_epoch = checkpoint["epoch"] + 1
    loss_fn = nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(start_epoch)
    for epoch in range(start_epoch, config["epochs"]):
        model.train()
        for batch in torch.randperm(len(x_train), generator=generator).split(64):
            optimizer.zero_grad()
            loss = loss_fn(model(x_train[batch]), y_train[batch])
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            accuracy = (model(x_val).argmax(dim=1) == y_val).float().mean().item()
        state = {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch}
        tune.report({"mean_accuracy": accuracy, "loss": loss.item()}, checkpoint=state)


def main(smoke: bool = False):
    pbt = PopulationBasedTraining(
        time_attr="training_iteration",
        perturbation_interval=2,
        hyperparam_mutations={"lr": tune.loguniform(1e-3, 0.5), "momentum": [0.0, 0.5, 0.9]},
    )
    analysis = tune.run(
        train_digits,
        config={
            "lr": tune.loguniform(1e-3, 0.5),
            "momentum": tune.choice([0.0, 0.5, 0.9]),
            "hidden": 32,
            "epochs": 4 if smoke else 20,
        },
        scheduler=pbt,
        metric="mean_accuracy",
        mode="max",
        num_samples=4,
        seed=0,
    )
    best = analysis.best_trial
    print("best config:", best.config)
    print(f"best mean_accuracy: {best.last_result['mean_accuracy']:.4f} at epoch {best.last_result['training_iteration']}")
    print("PBT exploits:", sum(len(t.exploits) for t in analysis.trials))
    return analysis


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="four epochs, for tests")
    main(parser.parse_args().smoke)
