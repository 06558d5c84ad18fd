"""Resources per trial: {"cpu": 2, "gpu": 0.5} (and memory) with max_concurrent_trials on a Ray cluster with GPUs.

This machine has no GPU, so the example starts a local Ray that declares 8 CPUs and 2 *logical* GPUs (Ray only
counts them). With 2 CPUs and half a GPU per trial, 4 trials fit at once; max_concurrent_trials=2 keeps one GPU
free. Each trial reports the GPU Ray gave it (CUDA_VISIBLE_DEVICES) and the experiment prints the peak concurrency.
Run: python examples/ch05_resources.py [--smoke]
"""
from __future__ import annotations

import argparse
import os
import time

import ray

from hpo_ray import tune


def objective(config):
    start = time.time()
    time.sleep(config["seconds"])
    tune.report(score=config["weight"], gpu=float(os.environ.get("CUDA_VISIBLE_DEVICES", "-1").split(",")[0]),
                start=start, end=time.time())


def peak_concurrency(trials) -> int:
    events = sorted([(t.last_result["start"], 1) for t in trials] + [(t.last_result["end"], -1) for t in trials],
                    key=lambda e: (e[0], e[1]))
    running = peak = 0
    for _, change in events:
        running += change
        peak = max(peak, running)
    return peak


def main(smoke: bool = False, max_concurrent_trials: int = 2):
    if not ray.is_initialized():
        ray.init(address="local", num_cpus=8, num_gpus=2, include_dashboard=False)
    print("cluster:", {k: v for k, v in ray.cluster_resources().items() if k in ("CPU", "GPU")})
    analysis = tune.run(
        objective,
        config={"weight": tune.uniform(0, 1), "seconds": 0.5 if smoke else 2.0},
        num_samples=4 if smoke else 10,
        resources_per_trial={"cpu": 2, "gpu": 0.5, "memory": 256 * 1024**2},  # memory in bytes
        max_concurrent_trials=max_concurrent_trials,
        seed=0,
    )
    print("GPU per trial:", [int(t.last_result["gpu"]) for t in analysis.trials])
    print(f"peak concurrent trials: {peak_concurrency(analysis.trials)} (max_concurrent_trials={max_concurrent_trials})")
    return analysis


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="shorter trials, for tests")
    main(parser.parse_args().smoke)
