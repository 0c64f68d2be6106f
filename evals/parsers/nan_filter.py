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
        self._ready = b""
        self._eof = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while len(self._ready) < len(buffer) and not self._eof:
            data = self._raw.read(self._chunk_size)
            text = self._pending + data
            if not data:
                self._eof, cut = True, len(text)
            else:
                # Cut before the last ':', '[' or ',' so that no token and its lead-in are split.
                cut = max(text.rfind(b":"), text.rfind(b"["), text.rfind(b","), 0)
            self._ready += _BARE.sub(rb"\1null", text[:cut])
            self._pending = text[cut:]
        size = min(len(buffer), len(self._ready))
        buffer[:size] = self._ready[:size]
        self._ready = self._ready[size:]
        return size
