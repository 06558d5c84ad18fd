"""Population based training: at every perturbation interval the bottom quantile of the population restarts from a
top-quantile trial's checkpoint with an explored copy of its config."""
from __future__ import annotations

import copy
import inspect
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..enums import Decision, TrialStatus
from ..errors import AsktellTypeError, AsktellValueError
from ..space.domains import Categorical, Domain, Function, Grid
from ..space.space import ConfigView
from ..suggestion import ResumeRequest
from ..trial import Trial
from .async_hyperband import check_number
from .base import TrialScheduler


def explore(config: Mapping[str, Any], mutations: Mapping[str, Any], rng: np.random.Generator, *,
            resample_probability: float, perturbation_factors: Sequence[float]) -> dict[str, Any]:
    """A copy of `config` with each key of `mutations` moved.

    A list (or `choice`) moves to a neighbouring element, a domain or function value is multiplied by one of
    `perturbation_factors` (ints stay ints); with probability `resample_probability` — or when the value is not in the
    list — a new value is drawn instead. Nested dicts of mutations explore nested configs.
    """
    new = copy.deepcopy(dict(config))
    for key, mutation in mutations.items():
        old = config.get(key)
        if isinstance(mutation, Mapping):
            new[key] = explore(old if isinstance(old, Mapping) else {}, mutation, rng,
                               resample_probability=resample_probability, perturbation_factors=perturbation_factors)
            continue
        values = mutation.categories if isinstance(mutation, Categorical) else mutation
        if isinstance(values, (list, tuple)):
            if rng.random() < resample_probability or old not in values:
                new[key] = values[int(rng.integers(len(values)))]
            else:
                index = list(values).index(old) + (1 if rng.random() < 0.5 else -1)
                new[key] = values[min(max(index, 0), len(values) - 1)]
        elif rng.random() < resample_probability or not isinstance(old, (int, float)) or isinstance(old, bool):
            new[key] = _draw(mutation, rng, new)
        else:
            value = old * perturbation_factors[int(rng.integers(len(perturbation_factors)))]
            new[key] = int(value) if isinstance(old, (int, np.integer)) else value
    return new


def _draw(mutation: Any, rng: np.random.Generator, config: dict[str, Any]) -> Any:
    if isinstance(mutation, Function):  # `sample_from(fn)`: fn() or fn(spec) with `spec.config` the new config
        return mutation.call(ConfigView(config, set()))
    if isinstance(mutation, Domain):
        return mutation.sample(rng)
    return mutation()  # a plain callable (Ray Tune style); it draws from its own randomness


def check_mutations(owner: str, mutations: Mapping[str, Any], prefix: str = "") -> None:
    for key, mutation in mutations.items():
        if isinstance(mutation, Mapping):
            check_mutations(owner, mutation, f"{prefix}{key}/")
        elif not (isinstance(mutation, (list, tuple, Domain)) or callable(mutation)):
            raise AsktellTypeError(
                f"{owner}: hyperparam_mutations[{prefix}{key!r}] must be a list, a search-space domain, a function or "
                f"a nested dict, but got {mutation!r}"
            )
        elif isinstance(mutation, (list, tuple)) and not mutation:
            raise AsktellValueError(f"{owner}: hyperparam_mutations[{prefix}{key!r}] must not be an empty list")
        elif isinstance(mutation, Grid):
            raise AsktellValueError(
                f"{owner}: hyperparam_mutations[{prefix}{key!r}] is a grid_search, which cannot be resampled; give "
                "the values as a list"
            )
        elif callable(mutation) and not isinstance(mutation, Domain) and _needs_arguments(mutation):
            raise AsktellTypeError(
                f"{owner}: hyperparam_mutations[{prefix}{key!r}] = {mutation!r} must be callable without arguments "
                "(it is called to resample the value); use sample_from(fn) for a function of the config"
            )


def _needs_arguments(fn: Any) -> bool:
    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
               for p in parameters)


@dataclass
class _Member:
    """What PBT keeps per trial."""

    config: dict[str, Any]
    last_score: float | None = None
    last_perturbation_time: float = 0.0
    last_train_time: float = 0.0
    has_checkpoint: bool = False
    finished: bool = False


class PopulationBasedTraining(TrialScheduler):
    """PBT (Jaderberg et al.), asynchronous by default.

    Every `perturbation_interval` units of `time_attr` (after `burn_in_period`) a trial is ranked among the live
    trials by its latest score. If it is in the bottom `quantile_fraction` it is paused and comes back through
    `next_resume` as an exploit: the config of a random top-quantile trial, explored (see `explore`, then
    `custom_explore_fn`), restored from that trial's latest checkpoint; it also inherits the donor's last
    perturbation time. Otherwise it continues, or yields (PAUSE) to trials waiting to start or resume.
    With `synch=True` every trial pauses at each perturbation point until the whole population got there (the last
    one to arrive too, as in Ray Tune); then the population is perturbed and every trial resumes.
    The trainable must report checkpoints; a needed donor without one raises an error saying so.
    Every exploit (donor, old and new config) is journaled and listed in `trial.exploits`; `log_config` (Ray Tune's
    switch for its policy log files) is accepted and changes nothing.
    """

    requires_metric = True
    requires_checkpoints = True
    refuses_model_based_searchers = True

    def __init__(self, time_attr: str = "time_total_s", metric: str | None = None, mode: str | None = None,
                 perturbation_interval: float = 60.0, burn_in_period: float = 0.0,
                 hyperparam_mutations: Mapping[str, Any] | None = None, quantile_fraction: float = 0.25,
                 resample_probability: float = 0.25, perturbation_factors: Sequence[float] = (1.2, 0.8),
                 custom_explore_fn: Callable[[dict[str, Any]], dict[str, Any]] | None = None, synch: bool = False,
                 log_config: bool = True):
        super().__init__(time_attr=time_attr, metric=metric, mode=mode)
        self.log_config = bool(log_config)
        name = type(self).__name__
        check_number(name, "perturbation_interval", perturbation_interval, minimum=0, strict=True)
        check_number(name, "burn_in_period", burn_in_period, minimum=0)
        check_number(name, "quantile_fraction", quantile_fraction, minimum=0)
        if quantile_fraction > 0.5:
            raise AsktellValueError(f"{name}: `quantile_fraction` must be <= 0.5, but got {quantile_fraction!r}")
        check_number(name, "resample_probability", resample_probability, minimum=0)
        if resample_probability > 1:
            raise AsktellValueError(f"{name}: `resample_probability` must be <= 1, but got {resample_probability!r}")
        if (not isinstance(perturbation_factors, (list, tuple)) or not perturbation_factors
                or not all(isinstance(f, (int, float)) and not isinstance(f, bool) for f in perturbation_factors)):
            raise AsktellTypeError(f"{name}: `perturbation_factors` must be a tuple of numbers, "
                                   f"but got {perturbation_factors!r}")
        if custom_explore_fn is not None and not callable(custom_explore_fn):
            raise AsktellTypeError(f"{name}: `custom_explore_fn` must be callable, but got {custom_explore_fn!r}")
        mutations = dict(hyperparam_mutations or {})
        check_mutations(name, mutations)
        if not mutations and custom_explore_fn is None and self._needs_mutations():
            raise AsktellValueError(f"{name}: give `hyperparam_mutations` or `custom_explore_fn`, or there is "
                                    "nothing to explore")
        self.perturbation_interval, self.burn_in_period = perturbation_interval, burn_in_period
        self.hyperparam_mutations, self.quantile_fraction = mutations, quantile_fraction
        self.resample_probability, self.perturbation_factors = resample_probability, tuple(perturbation_factors)
        self.custom_explore_fn, self.synch = custom_explore_fn, bool(synch)
        self.members: dict[str, _Member] = {}
        self.exploits: dict[str, ResumeRequest] = {}  # paused trial -> its exploit, in order
        self.paused: list[str] = []  # trials that yielded; resumed once no new trial will start
        self.resume_now: list[str] = []  # synch mode: the population after a perturbation round
        self.next_sync = max(perturbation_interval, burn_in_period)
        self.no_more_trials = False
        self.num_perturbations = 0
        self.missing_checkpoint: str | None = None

    def _needs_mutations(self) -> bool:
        return True

    # --- hooks -----------------------------------------------------------------------------------------------
    def on_trial_add(self, trial: Trial) -> None:
        self.members[trial.trial_id] = _Member(config=trial.config)

    def on_trial_result(self, trial: Trial, result: dict[str, Any]) -> Decision:
        member = self.members.setdefault(trial.trial_id, _Member(config=trial.config))
        member.config, member.has_checkpoint = trial.config, member.has_checkpoint or trial.has_checkpoint()
        self._unqueue(trial.trial_id)
        now = self._time(result)
        if now < self.burn_in_period or now - member.last_perturbation_time < self.perturbation_interval:
            return Decision.CONTINUE
        member.last_score, member.last_train_time = self._score(result), now
        self._observe(trial.trial_id, now)
        if self.synch:
            return self._synch_result(trial.trial_id, now)
        member.last_perturbation_time = now
        lower, upper = self._quantiles()
        if trial.trial_id in lower:
            self._exploit(trial.trial_id, upper)
            return Decision.PAUSE
        if self.paused or not self.no_more_trials:
            self.paused.append(trial.trial_id)
            return Decision.PAUSE  # yield to trials waiting to start or resume
        return Decision.CONTINUE

    def on_trial_complete(self, trial: Trial, result: dict[str, Any] | None) -> None:
        self.on_trial_remove(trial)

    def on_trial_remove(self, trial: Trial) -> None:
        member = self.members.get(trial.trial_id)
        if member is not None:
            member.finished = True
        self._unqueue(trial.trial_id)
        if self.synch:
            self._try_sync(None)

    def on_no_more_trials(self) -> None:
        self.no_more_trials = True
        if self.synch:
            self._try_sync(None)

    def next_resume(self, trials: Iterable[Trial]) -> ResumeRequest | None:
        if self.missing_checkpoint is not None:  # raised again from ask(): a driver fails the run, not one trial
            raise AsktellValueError(self.missing_checkpoint)
        paused = {t.trial_id for t in trials if t.status is TrialStatus.PAUSED}
        for trial_id in list(self.exploits):
            request = self.exploits.pop(trial_id)
            if trial_id in paused:
                return request
        for queue in (self.resume_now, self.paused if self.no_more_trials and not self.synch else []):
            candidates = [t for t in queue if t in paused]
            queue[:] = candidates
            if candidates:  # the trial furthest behind goes first
                trial_id = min(candidates, key=lambda t: self.members[t].last_train_time)
                queue.remove(trial_id)
                return ResumeRequest(trial_id)
        return None

    # --- exploit and explore ---------------------------------------------------------------------------------
    def _quantiles(self) -> tuple[list[str], list[str]]:
        ranked = [t for t, m in self.members.items() if m.last_score is not None and not m.finished]
        ranked.sort(key=lambda t: self.members[t].last_score)
        if len(ranked) <= 1:
            return [], []
        size = math.ceil(len(ranked) * self.quantile_fraction)
        size = min(size, len(ranked) // 2)
        return ranked[:size], ranked[len(ranked) - size:]

    def _exploit(self, trial_id: str, upper: list[str]) -> None:
        donor_id = upper[int(self.rng.integers(len(upper)))]
        donor, member = self.members[donor_id], self.members[trial_id]
        if not donor.has_checkpoint:
            self.missing_checkpoint = (
                f"{type(self).__name__} must restart trial {trial_id} from trial {donor_id}'s checkpoint, but trial "
                f"{donor_id} never reported one: save a checkpoint in the trainable, e.g. "
                "`report(metrics, checkpoint=state)` (or `tell(..., checkpoint=state)`), at least every "
                "perturbation_interval, and restore it from `get_checkpoint()`"
            )
            raise AsktellValueError(self.missing_checkpoint)
        config = self._explore_config(trial_id, donor_id)
        if self.custom_explore_fn is not None:
            config = self.custom_explore_fn(config)
            if not isinstance(config, dict):
                raise AsktellTypeError(f"custom_explore_fn must return the new config dict, but got {config!r}")
        self.exploits[trial_id] = ResumeRequest(trial_id, config=config, checkpoint_from=donor_id)
        member.last_perturbation_time = donor.last_perturbation_time
        member.last_train_time = donor.last_train_time
        member.config = config
        self.num_perturbations += 1
        self._after_exploit(trial_id, donor_id)

    def _explore_config(self, trial_id: str, donor_id: str) -> dict[str, Any]:
        """The explored config for `trial_id`, which restarts from `donor_id` (PB2 overrides this)."""
        return explore(self.members[donor_id].config, self.hyperparam_mutations, self.rng,
                       resample_probability=self.resample_probability,
                       perturbation_factors=self.perturbation_factors)

    def _observe(self, trial_id: str, now: float) -> None:
        """Hook: `trial_id` reached a perturbation point (PB2 records its data here)."""

    def _after_exploit(self, trial_id: str, donor_id: str) -> None:
        """Hook: `trial_id` will restart from `donor_id`."""

    # --- synchronous mode ------------------------------------------------------------------------------------
    def _synch_result(self, trial_id: str, now: float) -> Decision:
        if trial_id not in self.paused:
            self.paused.append(trial_id)
        decision = self._try_sync(trial_id)
        return decision if decision is not None else Decision.PAUSE

    def _try_sync(self, current: str | None) -> Decision | None:
        """Perturb the whole population once every live trial reached the sync point and no new trial will come."""
        live = [t for t, m in self.members.items() if not m.finished]
        if not self.no_more_trials or not live:
            return None
        if any(self.members[t].last_train_time < self.next_sync for t in live):
            return None
        lower, upper = self._quantiles()
        for trial_id in live:
            self.members[trial_id].last_perturbation_time = self.members[trial_id].last_train_time
        for trial_id in lower:
            self._exploit(trial_id, upper)
        self.next_sync = max(self.next_sync + self.perturbation_interval,
                             max(self.members[t].last_train_time for t in live))
        # every trial waits at the sync point, the last to arrive too (as Ray Tune does): the exploited ones come
        # back from their donors, the others resume as they were
        waiting = [t for t in self.paused if t not in self.exploits]
        self.resume_now.extend(t for t in waiting if t not in self.resume_now)
        self.paused = []
        return None if current is None else Decision.PAUSE

    def _unqueue(self, trial_id: str) -> None:
        for queue in (self.paused, self.resume_now):
            if trial_id in queue:
                queue.remove(trial_id)
