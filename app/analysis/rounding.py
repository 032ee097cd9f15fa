"""round(x, 3) and round(x, 4) of the analysis's scores, remembered.

Python's round() to some digits goes through a correctly rounded decimal conversion (~0.4 us a
call), and every comment rounds three or four scores, most of them values seen before (the
lexicon's scores times a few weights): a dict lookup gives the same float for less.
"""

from __future__ import annotations

_LIMIT = 8192  # distinct values kept per precision; cleared when full
_BY_3: dict[float, float] = {}
_BY_4: dict[float, float] = {}


def round3(x: float) -> float:
    """round(x, 3) for a float score."""
    found = _BY_3.get(x)
    if found is None:
        if not x:  # 0.0 and -0.0 are one dict key; each rounds to itself
            return x
        if len(_BY_3) >= _LIMIT:
            _BY_3.clear()
        found = _BY_3[x] = round(x, 3)
    return found


def round4(x: float) -> float:
    """round(x, 4) for a float score."""
    found = _BY_4.get(x)
    if found is None:
        if not x:
            return x
        if len(_BY_4) >= _LIMIT:
            _BY_4.clear()
        found = _BY_4[x] = round(x, 4)
    return found
