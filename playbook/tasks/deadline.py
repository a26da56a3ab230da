"""A time allowance for a diagnostic that can stop early and say how far it got.

Stage 4's diagnostics (permutation importance, latency) repeat predictions whose cost
grows with the rows and the columns: on 3,000 columns one prediction costs a large
part of a second. Each gets a share of `--tuning-seconds` (`poc_stage`), does a stated
minimum whatever the clock, and stops at its allowance; its evidence says how much it
did. The clock is wall time, as tuning's is, and can be replaced in tests.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class Deadline:
    """A wall-clock allowance that starts when it is made.

    Args:
        seconds: The allowance; None never passes (no limit).
        clock: Seconds from an arbitrary start (`time.perf_counter`).

    Raises:
        ValueError: `seconds` is negative or not a number.
    """

    def __init__(
        self,
        seconds: float | None,
        *,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        """Start the allowance now."""
        if seconds is not None and not seconds >= 0:
            raise ValueError(
                f"A deadline's allowance must be 0 seconds or more, not {seconds!r}: "
                "pass a share of --tuning-seconds, or None for no limit."
            )
        self.seconds = seconds
        self._clock = clock
        self._started = clock()

    def spent(self) -> float:
        """Seconds since the allowance started."""
        return self._clock() - self._started

    def passed(self) -> bool:
        """Whether the allowance is spent (never, without one)."""
        return self.seconds is not None and self.spent() >= self.seconds


def unlimited() -> Deadline:
    """An allowance that never passes."""
    return Deadline(None)
