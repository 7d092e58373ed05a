"""Fixed-capacity sample buffer for streams: constant memory over any duration, contiguous views for numpy."""
from __future__ import annotations

import numpy as np


class RingBuffer:
    """The newest `capacity` rows of a (n, width) float64 stream.

    Storage is 2 × capacity rows; when the write position reaches the end, the newest `capacity` rows are copied
    to the front. Appends are amortised O(1) per row, and `view()` is always one contiguous slice (no copy), which
    is what the vectorised analysis wants.
    """

    def __init__(self, capacity: int, width: int) -> None:
        if capacity < 1:
            raise ValueError("ring buffer capacity must be ≥ 1")
        self.capacity = int(capacity)
        self._data = np.empty((2 * self.capacity, width), dtype=np.float64)
        self._start = 0
        self._end = 0
        self.total = 0  # rows ever appended

    def __len__(self) -> int:
        return self._end - self._start

    @property
    def nbytes(self) -> int:
        return self._data.nbytes

    def append(self, rows: np.ndarray) -> None:
        rows = np.asarray(rows, dtype=np.float64)
        if rows.ndim == 1:
            rows = rows[:, None]
        n = len(rows)
        if n >= self.capacity:
            self.total += n
            self._data[: self.capacity] = rows[-self.capacity:]
            self._start, self._end = 0, self.capacity
            return
        self.reserve(n)[:] = rows

    def reserve(self, n: int) -> np.ndarray:
        """Append `n` rows (n < capacity) and return them as a writable view for the caller to fill (until then
        they hold stale values): one write per column block instead of building the rows first."""
        if n >= self.capacity:
            raise ValueError("reserve fewer rows than the capacity")
        self.total += n
        if self._end + n > len(self._data):
            keep = min(len(self), self.capacity - n)
            self._data[:keep] = self._data[self._end - keep:self._end]
            self._start, self._end = 0, keep
        rows = self._data[self._end:self._end + n]
        self._end += n
        if self._end - self._start > self.capacity:
            self._start = self._end - self.capacity
        return rows

    def view(self, last: int | None = None) -> np.ndarray:
        """The newest `last` rows (all when None), oldest first; a view valid until the next append."""
        start = self._start if last is None else max(self._start, self._end - last)
        return self._data[start:self._end]
