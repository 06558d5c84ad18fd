"""Running one trial inside whatever worker an executor has: the session, the return value, the failure."""
from __future__ import annotations

import numbers
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..enums import Decision
from ..errors import AsktellTypeError
from ..session import DEFAULT_METRIC, TrialSession, TrialStopped, set_session
from ..suggestion import Suggestion


@dataclass(frozen=True)
class Outcome:
    """How a trainable ended: it returned (both fields None), was stopped by a decision, or raised (`error`)."""

    stopped: Decision | None = None
    error: str | None = None


def run_trial(
    trainable: Callable[[dict[str, Any]], Any],
    suggestion: Suggestion,
    send: Callable[[dict[str, Any], Any], Decision | None],
    stop_requested: Callable[[], Decision | None] | None = None,
) -> Outcome:
    """Run `trainable(config)` with a session whose reports go to `send`; a returned dict is its last report (a
    bare number is reported as `{DEFAULT_METRIC: number}`, as Ray Tune does)."""
    from ..driver import trainable_name

    session = TrialSession(suggestion.trial_id, send, checkpoint=suggestion.checkpoint, stop_requested=stop_requested,
                           trial_name=f"{trainable_name(trainable)}_{suggestion.trial_id}",
                           start_iteration=suggestion.start_iteration)
    set_session(session)
    try:
        returned = trainable(dict(suggestion.config))
        if isinstance(returned, numbers.Real) and not isinstance(returned, bool):
            returned = {DEFAULT_METRIC: returned}
        if returned is not None:
            if not isinstance(returned, dict):
                raise AsktellTypeError(
                    f"the trainable returned {returned!r}; return a dict of metrics, a number or None (and call "
                    "report())"
                )
            session.report(returned)
    except TrialStopped as stopped:
        return Outcome(stopped=stopped.decision)
    except Exception as error:  # noqa: BLE001 - any trainable error fails only its trial
        # the traceback starts in the trainable: this frame is the library's, not the user's
        return Outcome(error="".join(traceback.format_exception(error, error, error.__traceback__.tb_next)))
    finally:
        set_session(None)
    return Outcome()
