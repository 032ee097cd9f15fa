"""round(x, 3) and round(x, 4) of the analysis's scores, remembered.

Python's round() to some digits goes through a correctly rounded decimal conversion (~0.4 us a
call), and every comment rounds three or four scores, most of them values seen before (the
lexicon's scores times a few weights): a dict lookup gives the same float for less.
"""

from __future__ import annotations

from collections.abc import Callable

_LIMIT = 8192  # distinct values kept per precision; cleared when full


def _remembered(digits: int) -> Callable[[float], float]:
    """round(x, digits) for a float score, through a dict of the values already rounded."""
    seen: dict[float, float] = {}

    def rounded(x: float) -> float:
        found = seen.get(x)
        if found is None:
            if not x:  # 0.0 and -0.0 are one dict key; each rounds to itself
                return x
            if len(seen) >= _LIMIT:
                seen.clear()
            found = seen[x] = round(x, digits)
        return found

    return rounded


round3 = _remembered(3)
round4 = _remembered(4)
