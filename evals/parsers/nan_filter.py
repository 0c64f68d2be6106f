"""A stream wrapper that turns bare NaN/Infinity in JSON (which Inspect writes) into null, so a
strict streaming parser can read the file without loading it whole."""

import io
import re

# A bare NaN/Infinity where a JSON value starts: after ':', '[' or ','. Inside a string the same
# text would also be replaced; no field this project reads from a log is affected by that.
_BARE = re.compile(rb"([:\[,]\s*)-?(?:NaN|Infinity)\b")


class NaNAsNull(io.RawIOBase):
    def __init__(self, raw, chunk_size: int = 1 << 20):
        self._raw = raw
        self._chunk_size = chunk_size
        self._pending = b""  # read but not yet filtered: may end inside a token
        self._ready = memoryview(b"")
        self._offset = 0
        self._eof = False

    def readable(self) -> bool:
        return True

    def _fill(self) -> None:
        while not self._eof:
            data = self._raw.read(self._chunk_size)
            text = self._pending + data
            if not data:
                self._eof, cut = True, len(text)
            else:
                # Cut before the last ':', '[' or ',' so that no token and its lead-in are split.
                cut = max(text.rfind(b":"), text.rfind(b"["), text.rfind(b","), 0)
            self._pending = text[cut:]
            if cut:
                ready = text[:cut]
                if b"NaN" in ready or b"Infinity" in ready:  # a fast scan; the regex is slower
                    ready = _BARE.sub(rb"\1null", ready)
                self._ready, self._offset = memoryview(ready), 0
                return
        self._ready, self._offset = memoryview(b""), 0

    def readinto(self, buffer) -> int:
        if self._offset >= len(self._ready):
            self._fill()
        size = min(len(buffer), len(self._ready) - self._offset)
        buffer[:size] = self._ready[self._offset : self._offset + size]
        self._offset += size
        return size
