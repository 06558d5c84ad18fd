"""`RayExecutor`: the driver's executor protocol on Ray — trials in reused actors with per-trial resources."""
from __future__ import annotations

import contextlib
import dataclasses
import enum
import logging
import math
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hpo_core.enums import Decision
from hpo_core.errors import AsktellTypeError, AsktellValueError
from hpo_core.executors.base import Completed, Event, Executor, Failed, Reported
from hpo_core.executors.payload import dumps as dumps_trainable
from hpo_core.suggestion import Suggestion

from .checkpoint import RayCheckpoint, encode
from .cluster import connect, node_resources
from .one_shot import looks_one_shot, run_one_shot
from .resources import TrialResources
from .runner import TrialRunner

logger = logging.getLogger("asktell")


class _Call(enum.Enum):
    TASK = "task"  # a one-shot trial as a Ray task
    START = "start"
    FETCH = "fetch"
    HALT = "halt"


@dataclass(eq=False)
class _Actor:
    handle: Any
    group: Any = None  # its own Ray placement group, when trials ask for placement-group bundles
    where: str = "not started yet"
    used: bool = False  # it ran a trial before (a dead reused actor is replaced without failing the trial)


@dataclass(eq=False)
class _Run:
    """One run of one trial, from `start` to its end, a STOP/PAUSE, or the death of its worker."""

    trial_id: str
    args: tuple  # (run token, suggestion without checkpoint, checkpoint ref or bytes) for the worker
    actor: _Actor | None = None  # None while it runs as a task or waits for an actor
    where: str = "not started yet"
    events: deque = field(default_factory=deque)  # received, not yet handed to the driver
    ended: bool = False  # the trainable returned or raised (or its worker died); its worker is released
    dropped: bool = False  # STOP/PAUSE applied: nothing more of this run reaches the driver


class RayExecutor(Executor):
    """Runs trials on Ray: one-shot trainables as tasks, reporting ones in reused actors, each holding
    `resources_per_trial`.

    * `address`: None starts a local Ray (or uses the one `ray.init` already set up, or `$RAY_ADDRESS`);
      "auto" or "host:port" joins a running cluster. A cluster this executor did not start is never shut down.
    * `resources_per_trial`: `{"cpu": 1, "gpu": 0.5, "memory": bytes, "<custom>": n}` (the `run()` argument of
      the same name wins); a request no node can hold fails at once with `AsktellValueError`.
    * `max_concurrent_trials`: cap on trials running at once (besides what the cluster holds).
    * `reuse_actors=False`: a fresh actor (worker process) for every trial run.
    * `one_shot_tasks`: run a trainable that never calls `report()` (it returns its metrics) as Ray tasks; one
      that turns out to report early is moved to an actor.
    * `max_report_lag`: how many reports a trainable may run ahead of the driver's decisions (1 = each report
      waits for its decision, as in the local executors; larger = fewer round trips for fast trainables).
    * `batch_wait_s`: after a first report, how long a batch waits for more (or for the trial to end).
    * `stop_grace_s`: how long a STOP/PAUSE waits for the trainable to reach its next report before its actor is
      killed to free the resources.
    * `unfit_timeout_s`: when the cluster later loses every node that can hold a trial, how long trials wait for
      one to come back (an autoscaler may add it) before the run fails with the nodes' resources; None: forever.
    * `init_kwargs`: extra `ray.init` arguments (e.g. `num_cpus` for a local instance).
    """

    def __init__(
        self,
        address: str | None = None,
        *,
        resources_per_trial: Mapping[str, float] | None = None,
        max_concurrent_trials: int | None = None,
        reuse_actors: bool = True,
        one_shot_tasks: bool = True,
        max_report_lag: int = 64,
        batch_wait_s: float = 0.002,
        stop_grace_s: float = 10.0,
        unfit_timeout_s: float | None = 60.0,
        init_kwargs: dict[str, Any] | None = None,
    ):
        TrialResources.parse(resources_per_trial)  # bad input fails here, where it enters
        _check_int("max_concurrent_trials", max_concurrent_trials, allow_none=True)
        _check_int("max_report_lag", max_report_lag)
        seconds = {"batch_wait_s": batch_wait_s, "stop_grace_s": stop_grace_s}
        if unfit_timeout_s is not None:  # None: wait forever
            seconds["unfit_timeout_s"] = unfit_timeout_s
        for name, value in seconds.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < math.inf:
                raise AsktellValueError(f"`{name}` must be a number >= 0, but got {value!r}")
        if init_kwargs is not None and not isinstance(init_kwargs, dict):
            raise AsktellTypeError(f"`init_kwargs` must be a dict of ray.init arguments, but got {init_kwargs!r}")
        self.address = address
        self.resources_per_trial = resources_per_trial
        self.max_concurrent_trials = max_concurrent_trials
        self.reuse_actors = bool(reuse_actors)
        self.one_shot_tasks = bool(one_shot_tasks)
        self.max_report_lag = max_report_lag
        self.batch_wait_s = float(batch_wait_s)
        self.stop_grace_s = float(stop_grace_s)
        self.unfit_timeout_s = None if unfit_timeout_s is None else float(unfit_timeout_s)
        self.init_kwargs = dict(init_kwargs or {})
        self.started_ray = False  # True when this executor started the local Ray instance it uses
        self.resources = TrialResources.parse(resources_per_trial)
        self._reset()

    def _reset(self) -> None:
        self._actor_class: Any = None
        self._actor_options: dict[str, Any] = {}
        self._task: Any = None  # the remote one-shot function, while trials run as tasks
        self._box: list = []  # [ObjectRef of the pickled trainable]
        self._limit = math.inf
        self._capacity = 1  # trials the live nodes hold at once (at most the limit)
        self._capacity_due = 0.0
        self._unfit_since: float | None = None  # since when no live node can hold a trial
        self._actors: set[_Actor] = set()  # every live actor this executor made
        self._idle: list[_Actor] = []
        self._busy = 0  # runs holding (or queued for) resources, including ones unwinding after STOP/PAUSE
        self._runs: dict[str, _Run] = {}  # trial id -> its run, until its last event reached the driver
        self._calls: dict[Any, tuple[_Run, _Call]] = {}  # outstanding Ray calls
        self._ready: deque[_Run] = deque()  # runs with events to hand out
        self._queued: deque[_Run] = deque()  # runs waiting for an actor
        self._halting: deque[tuple[float, Any]] = deque()  # (deadline, halt call) in start order
        self._started = 0

    # --- setup ------------------------------------------------------------------------------------------------
    def setup(
        self,
        trainable: Callable,
        *,
        resources_per_trial: Mapping[str, float] | None = None,
        max_concurrent_trials: int | None = None,
    ) -> None:
        import ray

        self.shutdown()
        self.started_ray = connect(self.address, self.init_kwargs) or self.started_ray
        self.resources = TrialResources.parse(
            resources_per_trial if resources_per_trial is not None else self.resources_per_trial
        )
        nodes = node_resources()
        self.resources.check_feasible(nodes)
        limits = [c for c in (self.max_concurrent_trials, max_concurrent_trials) if c is not None]
        self._limit = min(limits) if limits else math.inf
        self._refresh_capacity(nodes)
        try:
            payload = dumps_trainable(trainable)  # tracebacks keep the user's file names
        except Exception as exc:
            raise AsktellTypeError(f"the trainable {trainable!r} cannot be pickled for Ray workers: {exc}") from exc
        self._box = [ray.put(payload)]
        options = self.resources.actor_options()
        self._actor_options = {**options, "max_concurrency": 2, "max_restarts": 0, "max_task_retries": 0}
        self._actor_class = ray.remote(TrialRunner)
        if self.one_shot_tasks and looks_one_shot(trainable) and not self.resources.bundles:
            self._task = ray.remote(run_one_shot).options(**options, max_retries=0)

    def _refresh_capacity(self, nodes: list[dict[str, float]]) -> None:
        capacity = self.resources.capacity(nodes)
        self._check_still_fits(nodes, capacity)
        if capacity == math.inf:  # the trial asks for nothing: one per CPU
            capacity = sum(node.get("CPU", 0.0) for node in nodes)
        self._capacity = int(max(1, min(self._limit, capacity)))
        self._capacity_due = time.monotonic() + (1.0 if self._unfit_since is not None else 5.0)

    def _check_still_fits(self, nodes: list[dict[str, float]], capacity: float) -> None:
        """Fail the run once no live node has been able to hold a trial for `unfit_timeout_s`."""
        now = time.monotonic()
        if capacity >= 1:
            self._unfit_since = None
        elif self._unfit_since is None:
            self._unfit_since = now
        elif self.unfit_timeout_s is not None and now - self._unfit_since >= self.unfit_timeout_s:
            self.resources.check_feasible(nodes, waited_s=now - self._unfit_since)

    # --- the protocol -----------------------------------------------------------------------------------------
    def free_slots(self) -> int:
        if time.monotonic() >= self._capacity_due:
            self._refresh_capacity(node_resources())
        slots = self._capacity
        if self._task is not None:  # keep Ray's queue fed: a task waits for resources in Ray, not here
            slots = int(min(self._limit, 2 * slots))
        return max(slots - self._busy, 0)

    def running(self) -> set[str]:
        halting = {run.trial_id for run, kind in self._calls.values() if kind is _Call.HALT}
        return set(self._runs) | halting

    def start(self, suggestion: Suggestion) -> None:
        if self._actor_class is None:
            raise AsktellValueError("RayExecutor.start() before setup(): run it through hpo_ray.run / hpo_core.run")
        checkpoint = suggestion.checkpoint
        if isinstance(checkpoint, RayCheckpoint):
            restore = checkpoint.ref  # resolved to the bytes on whichever node the worker runs
        else:
            restore = None if checkpoint is None else encode(checkpoint)
        self._started += 1
        token = f"{suggestion.trial_id}/{self._started}"
        run = _Run(suggestion.trial_id, (token, dataclasses.replace(suggestion, checkpoint=None), restore))
        self._runs[run.trial_id] = run
        self._busy += 1
        if self._task is not None:
            self._calls[self._task.remote(self._box, *run.args[1:])] = (run, _Call.TASK)
        else:
            self._queued.append(run)
            self._serve_queue()

    def poll(self, timeout: float) -> list[Event]:
        self._expire_halts()
        if not self._ready and self._calls:
            self._wait(timeout)
        events: list[Event] = []
        for _ in range(len(self._ready)):  # one event per run: a decision may drop the rest of its run
            run = self._ready.popleft()
            if run.dropped or not run.events:
                continue
            events.append(run.events.popleft())
            if run.events:
                self._ready.append(run)
            elif run.ended:
                self._runs.pop(run.trial_id, None)
        return events

    def apply(self, trial_id: str, decision: Decision) -> None:
        run = self._runs.get(trial_id)
        if run is None:
            return
        if decision is Decision.CONTINUE:
            if not run.events and not run.ended and run.actor is not None:
                self._calls[run.actor.handle.fetch.remote()] = (run, _Call.FETCH)
            return
        del self._runs[trial_id]
        run.dropped = True
        run.events.clear()
        if not run.ended:  # a run with delivered reports has its actor (tasks end with their only batch)
            self._halt(run, decision)

    def shutdown(self) -> None:
        """Stop every trial (each ends at its next report, or is killed after a short grace) and free the workers."""
        import ray

        for run in list(self._runs.values()):
            if not run.ended and run.actor is not None:
                self._halt(run, Decision.STOP)
        calls = list(self._calls.items())
        for ref, (_, kind) in calls:
            if kind is _Call.TASK:
                ray.cancel(ref)
        halts = [ref for ref, (_, kind) in calls if kind is _Call.HALT]
        if halts:
            ray.wait(halts, num_returns=len(halts), timeout=min(self.stop_grace_s, 5.0) + 1.0)
        for actor in list(self._actors):
            self._kill(actor)
        self._reset()

    # --- workers ----------------------------------------------------------------------------------------------
    def _serve_queue(self) -> None:
        """Give actors to queued runs: an idle one, or a new one while the cluster holds more."""
        while self._queued and (self._idle or len(self._actors) < self._capacity):
            run = self._queued.popleft()
            if self._idle:
                actor = self._idle.pop()
            else:
                group, placement = self.resources.placement_group()  # (None, {}) without bundles
                handle = self._actor_class.options(**self._actor_options, **placement).remote(
                    self._box[0], self.max_report_lag, self.batch_wait_s)
                actor = _Actor(handle, group)
                self._actors.add(actor)
            run.actor = actor
            self._calls[actor.handle.start.remote(*run.args)] = (run, _Call.START)

    def _release(self, run: _Run) -> None:
        """`run`'s worker is done with it: its actor goes back to the pool (or away), queued runs may go on."""
        self._busy -= 1
        actor, run.actor = run.actor, None
        if actor is not None:
            actor.used = True
            if self.reuse_actors:
                self._idle.append(actor)
            else:
                self._kill(actor)
        self._serve_queue()

    def _kill(self, actor: _Actor) -> None:
        import ray

        self._actors.discard(actor)
        with contextlib.suppress(Exception):  # an actor that is already dead
            ray.kill(actor.handle, no_restart=True)
        if actor.group is not None:
            with contextlib.suppress(Exception):  # a group whose node went
                ray.util.remove_placement_group(actor.group)

    def _halt(self, run: _Run, decision: Decision) -> None:
        ref = run.actor.handle.halt.remote(run.args[0], decision, self.stop_grace_s)
        self._calls[ref] = (run, _Call.HALT)
        self._halting.append((time.monotonic() + self.stop_grace_s + 30.0, ref))

    def _expire_halts(self) -> None:
        """A halt call still unanswered long after its grace period: the actor is wedged; kill it."""
        now = time.monotonic()
        while self._halting and (self._halting[0][0] <= now or self._halting[0][1] not in self._calls):
            _, ref = self._halting.popleft()
            entry = self._calls.pop(ref, None)
            if entry is not None:
                self._kill(entry[0].actor)
                self._release(entry[0])

    # --- results ----------------------------------------------------------------------------------------------
    def _wait(self, timeout: float) -> None:
        import ray

        refs = list(self._calls)
        ready, rest = ray.wait(refs, num_returns=1, timeout=timeout)
        if ready and rest:
            more, _ = ray.wait(rest, num_returns=len(rest), timeout=0)
            ready.extend(more)
        for ref in ready:
            self._receive(ref)

    def _receive(self, ref: Any) -> None:
        import ray
        from ray.exceptions import RayActorError, RayError

        run, kind = self._calls.pop(ref)
        try:
            value = ray.get(ref)
        except RayActorError as exc:
            self._lost(run, kind, f"trial {run.trial_id}: its Ray actor ({run.where}) died: {exc}")
            return
        except RayError as exc:  # a task's worker or node died, or a reported value could not be pickled
            self._lost(run, kind, f"trial {run.trial_id} failed on Ray ({run.where}): {exc}")
            return
        if kind is _Call.HALT:
            if value is None:  # it did not reach a report within the grace period: free its resources by force
                self._kill(run.actor)
            self._release(run)
            return
        if kind is not _Call.FETCH:
            value, run.where = value
        if value is None:  # a task whose trainable reported early: on to an actor, for this and later trials
            logger.info("trial %s reports while it runs: trials now run in Ray actors", run.trial_id)
            self._task = None
            self._queued.append(run)
            self._serve_queue()
            return
        reports, outcome = value
        trial_id = run.trial_id
        for metrics, payload in reports:
            run.events.append(Reported(trial_id, metrics, None if payload is None else RayCheckpoint(payload)))
        if outcome is not None:
            run.ended = True
            self._release(run)
            if outcome.error is not None:
                run.events.append(Failed(trial_id, f"trial {trial_id} failed on Ray ({run.where}):\n{outcome.error}"))
            elif outcome.stopped is None:
                run.events.append(Completed(trial_id))
        self._hand_out(run)

    def _lost(self, run: _Run, kind: _Call, message: str) -> None:
        """The worker of `run` died (or its call failed): never reuse it; fail the trial unless it was stopping."""
        actor = run.actor
        if actor is not None:
            self._kill(actor)
        self._capacity_due = 0.0  # a node may have gone
        if kind is _Call.START and actor.used and not run.dropped:  # an idle actor had died: try a fresh one
            run.actor = None
            self._queued.appendleft(run)
            self._serve_queue()
            return
        self._release(run)
        if kind is _Call.HALT or run.dropped:
            return
        run.ended = True
        run.events.append(Failed(run.trial_id, message))
        self._hand_out(run)

    def _hand_out(self, run: _Run) -> None:
        if run.events:
            self._ready.append(run)
        elif run.ended:
            self._runs.pop(run.trial_id, None)


def _check_int(name: str, value: Any, *, allow_none: bool = False) -> None:
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise AsktellValueError(f"`{name}` must be an int >= 1, but got {value!r}")
