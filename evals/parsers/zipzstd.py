"""Read members of an Inspect `.eval` file: a zip whose members are zstd-compressed (method 93)
in current Inspect versions, which Python's zipfile cannot decompress by itself."""

import io
import struct
import zipfile
import zlib
from pathlib import Path

import zstandard

from .base import LogParseError

ZSTD = 93
MEMBER_LIMIT = 64 * 1024 * 1024  # one sample, or the header, of an Inspect log
_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")
_LOCAL_SIGNATURE = b"PK\x03\x04"


class EvalZip:
    def __init__(self, path: Path):
        self.path = path
        try:
            self._zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as error:
            raise LogParseError(f"not a readable .eval (zip) file: {error}") from None
        self._file = path.open("rb")

    def __enter__(self) -> "EvalZip":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._zip.close()
        self._file.close()

    def names(self) -> list[str]:
        return self._zip.namelist()

    def size(self, name: str) -> int:
        """A member's size as the zip claims it (`read` holds it to its limit regardless)."""
        try:
            return self._zip.getinfo(name).file_size
        except KeyError:
            raise LogParseError(f"the zip has no member {name!r}") from None

    def read(self, name: str, *, limit: int = MEMBER_LIMIT) -> bytes:
        """A member's bytes; refused past `limit` bytes, so a small zip cannot expand into
        gigabytes (whatever size it claims)."""
        try:
            info = self._zip.getinfo(name)
        except KeyError:
            raise LogParseError(f"the .eval file has no member {name!r}") from None
        if info.file_size > limit:
            raise LogParseError(f"member {name!r} is larger than {limit:,} bytes")
        if info.compress_type != ZSTD:
            try:
                with self._zip.open(info) as member:
                    data = member.read(limit + 1)
            except (zipfile.BadZipFile, zlib.error, NotImplementedError, EOFError) as error:
                raise LogParseError(f"member {name!r} is corrupt: {error}") from None
        else:
            data = self._read_zstd(info, limit)
        if len(data) > limit:
            raise LogParseError(f"member {name!r} expands past {limit:,} bytes")
        if zlib.crc32(data) != info.CRC:
            raise LogParseError(f"member {name!r} is corrupt (checksum mismatch)")
        return data

    def _read_zstd(self, info: zipfile.ZipInfo, limit: int) -> bytes:
        self._file.seek(info.header_offset)
        header = self._file.read(_LOCAL_HEADER.size)
        if len(header) != _LOCAL_HEADER.size or header[:4] != _LOCAL_SIGNATURE:
            raise LogParseError(f"member {info.filename!r} is truncated or corrupt")
        name_length, extra_length = struct.unpack("<HH", header[26:30])
        self._file.seek(info.header_offset + _LOCAL_HEADER.size + name_length + extra_length)
        compressed = self._file.read(info.compress_size)
        if len(compressed) != info.compress_size:
            raise LogParseError(f"member {info.filename!r} is truncated")
        try:
            reader = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(compressed))
            with reader:
                return reader.read(limit + 1)
        except zstandard.ZstdError as error:
            raise LogParseError(f"member {info.filename!r} is corrupt: {error}") from None
