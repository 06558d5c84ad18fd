"""`SimulatedExecutor`: trials replayed on a simulated clock, so a 1,000-trial, 32-worker run takes seconds.

A trainable for it is a *simulated problem*: per config it says which metrics each report carries and how many
simulated seconds the step before it took (for example the epoch durations of a recorded learning curve).

```
class Curves(SimulatedTrainable):
    def curve(self, config, *, start_iteration=0, state=None):
        for epoch in range(start_iteration + 1, 28):
            yield 30.0, {"accuracy": table[config["id"], epoch]}     # (duration_s, metrics) per report

executor = SimulatedExecutor(32)
analysis = hpo_core.run(Curves(), config=space, scheduler=ASHAScheduler(...), executor=executor)
```
The executor is a heap of pending events keyed by (simulated time, sequence number), so each report costs O(log n)
and ties resolve in start order: the same seed gives the same run. A report waits for its decision at the simulated
time it arrives; PAUSE and STOP free the worker at that time; a resumed trial continues from its checkpoint, which
is a `SimCheckpoint(iteration, state)`. Pass `clock=executor.now` to an `Experiment` you drive yourself
(`run()` does so for executors that have `now`). `run()` adds no per-trial file loggers to a simulated run (its
journal holds every result; pass `JsonLoggerCallback()` etc. in `callbacks` to have the files).
"""
from __future__ import annotations

import heapq
import itertools
import json
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ..enums import Decision
from ..errors import AsktellTypeError, AsktellValueError
from ..suggestion import Suggestion
from .base import Completed, Event, Executor, Failed, Reported

__all__ = ["SimCheckpoint", "SimulatedExecutor", "SimulatedTrainable"]


@dataclass(frozen=True)
class SimCheckpoint:
    """A simulated checkpoint: the iteration it was taken after, plus any state the problem yielded with it.

    It is no file: an experiment folder keeps it inline in the journal record of its report (`as_record()`), so
    storing one costs a few bytes of JSON, not a pickle, a file and an fsync.
    """

    iteration: int
    state: Any = None

    def as_record(self) -> list | None:
        """`[iteration, state]` for the journal, or None when `state` does not survive JSON exactly."""
        state = self.state
        if state is None or type(state) in (int, str, bool):
            return [self.iteration, state]
        try:
            same = json.loads(json.dumps(state, allow_nan=False)) == state
        except (TypeError, ValueError):
            return None
        return [self.iteration, state] if same else None

    @classmethod
    def from_record(cls, record: list) -> SimCheckpoint:
        return cls(int(record[0]), record[1])


class SimulatedTrainable:
    """A simulated problem. `curve` yields one step per report, from the report after `start_iteration` on.

    A step is `(duration_s, metrics)` or `(duration_s, metrics, state)`: `duration_s` simulated seconds pass before
    the report arrives; `state` (optional) is kept in the checkpoint and handed back as `state` when a trial is
    resumed from it (for problems whose future depends on more than the iteration, e.g. PBT toys). Raising inside
    `curve` fails the trial at that simulated time.
    """

    def curve(self, config: dict[str, Any], *, start_iteration: int = 0, state: Any = None) -> Iterable[tuple]:
        raise NotImplementedError

    def __call__(self, config: dict[str, Any]) -> Any:
        raise AsktellTypeError(
            f"{type(self).__name__} is a simulated problem: run it with `executor=SimulatedExecutor(n_workers)`"
        )


class _FunctionTrainable(SimulatedTrainable):
    """A plain callable `fn(config)` returning an iterable of steps (or one metrics dict: one step of 1 s)."""

    def __init__(self, fn: Callable[[dict[str, Any]], Any]):
        self.fn = fn

    def curve(self, config: dict[str, Any], *, start_iteration: int = 0, state: Any = None) -> Iterable[tuple]:
        out = self.fn(config)
        if isinstance(out, dict):
            out = [(1.0, out)]
        return itertools.islice(out, start_iteration, None)


class _Run:
    """One trial on one simulated worker."""

    __slots__ = ("iteration", "state", "steps", "token", "waiting")

    def __init__(self, steps: Iterator[tuple], iteration: int, token: int, state: Any):
        self.steps = steps
        self.iteration = iteration
        self.token = token
        self.waiting = False  # True between a Reported event and its decision
        self.state = state


_REPORT, _COMPLETE, _FAIL = 0, 1, 2


class SimulatedExecutor(Executor):
    """Runs simulated problems on `n_workers` simulated workers; see the module docstring.

    `startup_s` simulated seconds pass before a started or resumed trial's first step; `checkpoint_every` = k
    attaches a `SimCheckpoint` to every k-th report (0: never; a paused trial then restarts from scratch).
    """

    default_loggers = False  # simulated trials have no files of their own (see Executor)

    def __init__(self, n_workers: int = 1, *, startup_s: float = 0.0, checkpoint_every: int = 1,
                 start_time: float = 0.0):
        if isinstance(n_workers, bool) or not isinstance(n_workers, int) or n_workers < 1:
            raise AsktellValueError(f"`n_workers` must be an int >= 1, but got {n_workers!r}")
        if not isinstance(startup_s, (int, float)) or isinstance(startup_s, bool) or not startup_s >= 0:
            raise AsktellValueError(f"`startup_s` must be a number >= 0, but got {startup_s!r}")
        if isinstance(checkpoint_every, bool) or not isinstance(checkpoint_every, int) or checkpoint_every < 0:
            raise AsktellValueError(f"`checkpoint_every` must be an int >= 0, but got {checkpoint_every!r}")
        self.n_workers = n_workers
        self.startup_s = float(startup_s)
        self.checkpoint_every = checkpoint_every
        self._time = float(start_time)
        self._capacity = n_workers
        self._problem: SimulatedTrainable | None = None
        self._heap: list[tuple[float, int, str, int, int, Any]] = []
        self._seq = itertools.count()
        self._runs: dict[str, _Run] = {}
        self.busy_seconds = 0.0  # simulated worker-seconds spent in steps (for utilisation)

    # --- clock ------------------------------------------------------------------------------------------------
    def now(self) -> float:
        """The simulated time in seconds (starts at `start_time`, default 0)."""
        return self._time

    # --- protocol ---------------------------------------------------------------------------------------------
    def setup(self, trainable: Any, *, resources_per_trial: dict[str, float] | None = None,
              max_concurrent_trials: int | None = None) -> None:
        """Take the simulated problem; each trial uses one worker (`resources_per_trial` is not simulated)."""
        if isinstance(trainable, SimulatedTrainable) or callable(getattr(trainable, "curve", None)):
            self._problem = trainable
        elif callable(trainable):
            self._problem = _FunctionTrainable(trainable)
        else:
            raise AsktellTypeError(
                "SimulatedExecutor needs a simulated problem (an object with `curve(config, *, start_iteration, "
                f"state)` or a function config -> steps), but got `trainable`={trainable!r}"
            )
        if max_concurrent_trials is not None:
            if isinstance(max_concurrent_trials, bool) or not isinstance(max_concurrent_trials, int) \
                    or max_concurrent_trials < 1:
                raise AsktellValueError(
                    f"`max_concurrent_trials` must be an int >= 1 or None, but got {max_concurrent_trials!r}"
                )
            self._capacity = min(self.n_workers, max_concurrent_trials)

    def free_slots(self) -> int:
        return self._capacity - len(self._runs)

    def running(self) -> set[str]:
        return set(self._runs)

    def start(self, suggestion: Suggestion) -> None:
        if self._problem is None:
            raise AsktellValueError("SimulatedExecutor.start() before setup(): no simulated problem given")
        trial_id = suggestion.trial_id
        if trial_id in self._runs:
            raise AsktellValueError(f"trial {trial_id} is already running on the simulated executor")
        if len(self._runs) >= self._capacity:
            raise AsktellValueError(f"no free simulated worker for trial {trial_id} ({self._capacity} busy)")
        checkpoint = suggestion.checkpoint
        if isinstance(checkpoint, SimCheckpoint):
            iteration, state = checkpoint.iteration, checkpoint.state
        else:
            iteration, state = 0, None
        run = _Run(iter(()), iteration, next(self._seq), state)
        self._runs[trial_id] = run
        try:
            run.steps = iter(self._problem.curve(suggestion.config, start_iteration=iteration, state=state))
        except Exception:  # noqa: BLE001 - a problem's bug fails its trial, like any trainable's
            self._push(self._time, trial_id, run, _FAIL, traceback.format_exc())
            return
        self._advance(trial_id, run, self.startup_s)

    def poll(self, timeout: float = 0.0) -> list[Event]:
        """Move the clock to the next event and return every event at that time (never waits in real time)."""
        heap, events = self._heap, []
        while heap:
            when, _, trial_id, token, kind, payload = heap[0]
            run = self._runs.get(trial_id)
            if run is None or run.token != token:
                heapq.heappop(heap)  # the trial was stopped, paused or restarted since: drop it
                continue
            if events and when > self._time:
                break
            heapq.heappop(heap)
            self._time = max(self._time, when)
            if kind == _REPORT:
                metrics, checkpoint = payload
                run.waiting = True
                events.append(Reported(trial_id, metrics, checkpoint))
            elif kind == _COMPLETE:
                del self._runs[trial_id]
                events.append(Completed(trial_id))
            else:
                del self._runs[trial_id]
                events.append(Failed(trial_id, payload))
        return events

    def apply(self, trial_id: str, decision: Decision) -> None:
        """CONTINUE schedules the trial's next step; PAUSE and STOP free its worker now."""
        run = self._runs.get(trial_id)
        if run is None or not run.waiting:
            return  # it ended already (Completed/Failed) or the decision came twice
        if not isinstance(decision, Decision):
            raise AsktellTypeError(f"apply(): `decision` must be a Decision, but got {decision!r}")
        run.waiting = False
        if decision is Decision.CONTINUE:
            self._advance(trial_id, run, 0.0)
        else:
            del self._runs[trial_id]

    def shutdown(self) -> None:
        self._runs.clear()
        self._heap.clear()

    # --- internals --------------------------------------------------------------------------------------------
    def _advance(self, trial_id: str, run: _Run, delay: float) -> None:
        """Draw the trial's next step and schedule its report, its completion or its failure."""
        try:
            step = next(run.steps)
        except StopIteration:
            self._push(self._time + delay, trial_id, run, _COMPLETE, None)
            return
        except Exception:  # noqa: BLE001
            self._push(self._time + delay, trial_id, run, _FAIL, traceback.format_exc())
            return
        try:
            duration, metrics, *rest = step
            duration = float(duration)
            if not duration >= 0 or type(metrics) is not dict or len(rest) > 1:
                raise ValueError
        except (TypeError, ValueError):
            message = (f"a simulated step must be (duration_s >= 0, metrics dict[, state]), but trial {trial_id} "
                       f"got {step!r}")
            self._push(self._time + delay, trial_id, run, _FAIL, message)
            return
        run.iteration += 1
        if rest:
            run.state = rest[0]
        when = self._time + delay + duration
        self.busy_seconds += duration
        metrics = dict(metrics)
        metrics.setdefault("time_this_iter_s", delay + duration)
        metrics.setdefault("timestamp", when)
        every = self.checkpoint_every
        checkpoint = SimCheckpoint(run.iteration, run.state) if every and run.iteration % every == 0 else None
        self._push(when, trial_id, run, _REPORT, (metrics, checkpoint))

    def _push(self, when: float, trial_id: str, run: _Run, kind: int, payload: Any) -> None:
        heapq.heappush(self._heap, (when, next(self._seq), trial_id, run.token, kind, payload))
