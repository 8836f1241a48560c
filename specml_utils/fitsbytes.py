"""A small, fast path for the FITS binary tables of spec-lite files.

astropy parses every card of every header, which for a spec-lite file (a 500-card spAll
row in HDU2) costs milliseconds per file. Survey-sized runs only need the COADD table,
so this module walks the raw bytes: it parses the few structural cards of each header and
hands the table to NumPy as a big-endian record array. Writing goes the other way: the
headers come from astropy once (cached) and the data are appended as raw bytes.
Results equal astropy's (tested); anything unusual raises :class:`FitsFormatError`.
"""
from __future__ import annotations

import functools
import re

import numpy as np
from astropy.io import fits

BLOCK = 2880
CARD = 80

#: FITS binary-table TFORM letter -> NumPy big-endian type
_TFORM = {"L": "i1", "B": "u1", "I": ">i2", "J": ">i4", "K": ">i8", "E": ">f4", "D": ">f8", "A": "S"}
_TFORM_RE = re.compile(r"^\s*(\d*)([LBIJKEDA])\s*$")


class FitsFormatError(ValueError):
    """The bytes are not the FITS layout this module understands."""


def _parse_header(buf: bytes | memoryview, start: int) -> tuple[dict, int]:
    """Parse the header starting at ``start``; return (cards, offset of its data)."""
    cards = {}
    pos = start
    n = len(buf)
    while True:
        if pos + BLOCK > n:
            raise FitsFormatError(f"header at byte {start} runs past the end of the file ({n} bytes)")
        block_cards, ended = _parse_block(bytes(buf[pos:pos + BLOCK]))
        cards.update(block_cards)
        pos += BLOCK
        if ended:
            return cards, pos


@functools.lru_cache(maxsize=4096)
def _parse_block(block: bytes) -> tuple[dict, bool]:
    """The cards of one 2,880-byte header block and whether it holds END. Cached: the table
    headers of a survey's files repeat block for block, so most files parse no card at all.
    The returned dict is shared; callers copy from it and never change it."""
    text = block.decode("ascii", "replace")
    cards = {}
    for i in range(0, BLOCK, CARD):
        key = text[i:i + 8].rstrip()
        if key == "END":
            return cards, True
        if text[i + 8:i + 10] == "= ":
            cards[key] = _card_value_text(text[i + 10:i + CARD])
    return cards, False


#: a quoted FITS string ('' stands for one quote)
_STRING_RE = re.compile(r"'((?:[^']|'')*)'")


def _card_value_text(raw: str) -> str:
    """The value part of a card, comment removed; strings keep their quotes ('' unescaped)."""
    text = raw.lstrip()
    if not text.startswith("'"):
        return text.split("/", 1)[0].strip()
    m = _STRING_RE.match(text)
    inner = m.group(1) if m else text[1:]  # an unterminated string runs to the card's end
    return "'" + inner.replace("''", "'") + "'"


def _int(cards: dict, key: str) -> int:
    try:
        return int(cards[key])
    except (KeyError, ValueError):
        raise FitsFormatError(f"header card {key} missing or not an integer") from None


def _str(cards: dict, key: str) -> str:
    return cards.get(key, "").strip().strip("'").strip()


def _data_size(cards: dict) -> int:
    naxis = _int(cards, "NAXIS")
    if naxis == 0:
        return 0
    size = abs(_int(cards, "BITPIX")) // 8
    for k in range(1, naxis + 1):
        size *= _int(cards, f"NAXIS{k}")
    size += int(cards.get("PCOUNT", 0) or 0)
    return -(-size // BLOCK) * BLOCK


def structure_problem(path) -> str | None:
    """What is wrong with a FITS file's layout, or None: its size must be a whole number of
    2,880-byte blocks and each HDU's header must say how long its data are, the last HDU ending
    exactly at the end of the file (a truncated download fails this)."""
    import mmap
    from pathlib import Path

    path = Path(path)
    n = path.stat().st_size
    if n == 0 or n % BLOCK:
        return f"{n} bytes is not a whole number of {BLOCK}-byte FITS blocks (truncated?)"
    with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as buf:
        if bytes(buf[:9]) != b"SIMPLE  =":
            return "does not start with a FITS primary header"
        pos = 0
        while pos < n:
            try:
                cards, data = _parse_header(buf, pos)
                pos = data + _data_size(cards)
            except FitsFormatError as err:
                return str(err)
        if pos > n:
            return f"its headers announce {pos} bytes, the file has {n} (truncated)"
    return None


def table_dtype(cards: dict) -> np.dtype:
    """The NumPy record type of a BINTABLE header."""
    columns = tuple((_str(cards, f"TTYPE{k}"), _str(cards, f"TFORM{k}"))
                    for k in range(1, _int(cards, "TFIELDS") + 1))
    dtype = _dtype_of(columns)
    if dtype.itemsize != _int(cards, "NAXIS1"):
        raise FitsFormatError(f"row size {dtype.itemsize} from TFORMs differs from NAXIS1 {cards['NAXIS1']}")
    return dtype


@functools.lru_cache(maxsize=256)
def _dtype_of(columns: tuple) -> np.dtype:
    fields = []
    for name, form in columns:
        m = _TFORM_RE.match(form)
        if not m:
            raise FitsFormatError(f"column {name!r}: TFORM {form!r} not supported by the fast reader")
        count = int(m.group(1) or 1)
        code = _TFORM[m.group(2)]
        if code == "S":
            fields.append((name, f"S{count}"))
        elif count == 1:
            fields.append((name, code))
        else:
            fields.append((name, code, (count,)))
    return np.dtype(fields)


def read_table(buf: bytes, hdu: int) -> tuple[dict, np.ndarray]:
    """Return the header cards and the record array of binary table number ``hdu``."""
    pos = 0
    for index in range(hdu + 1):
        cards, data_start = _parse_header(buf, pos)
        if index == 0 and cards.get("SIMPLE", "").strip() != "T":
            raise FitsFormatError("not a FITS file (no SIMPLE = T)")
        if index == hdu:
            if _str(cards, "XTENSION") != "BINTABLE":
                raise FitsFormatError(f"HDU {hdu} is not a binary table")
            dtype = table_dtype(cards)
            nrows = _int(cards, "NAXIS2")
            end = data_start + dtype.itemsize * nrows
            if end > len(buf):
                raise FitsFormatError(f"HDU {hdu} data truncated: needs {end} bytes, file has {len(buf)}")
            return cards, np.frombuffer(buf, dtype=dtype, count=nrows, offset=data_start)
        pos = data_start + _data_size(cards)
    raise FitsFormatError(f"no HDU {hdu}")  # pragma: no cover


def read_primary_cards(buf: bytes) -> dict:
    """Header cards of the primary HDU."""
    cards, _ = _parse_header(buf, 0)
    if cards.get("SIMPLE", "").strip() != "T":
        raise FitsFormatError("not a FITS file (no SIMPLE = T)")
    return cards


def card_value(cards: dict, key: str, default=None):
    """A header value as int, float or str."""
    if key not in cards:
        return default
    raw = cards[key].strip()
    if raw.startswith("'"):
        return raw.strip("'").rstrip()
    for cast in (int, float):
        try:
            return cast(raw)
        except ValueError:
            pass
    return raw


# --------------------------------------------------------------------------- writing
@functools.lru_cache(maxsize=256)
def _table_header_bytes(dtype: np.dtype, nrows: int, extname: str) -> bytes:
    hdu = fits.BinTableHDU(np.zeros(nrows, dtype=dtype), name=extname or None)
    return hdu.header.tostring().encode("ascii")


def table_bytes(data: np.ndarray, extname: str = "") -> bytes:
    """One BINTABLE HDU (header and padded data) as bytes."""
    be = np.ascontiguousarray(data.astype(_big_endian(data.dtype)))
    header = _table_header_bytes(be.dtype, len(be), extname)
    raw = be.tobytes()
    return header + raw + b"\0" * (-len(raw) % BLOCK)


def _big_endian(dtype: np.dtype) -> np.dtype:
    fields = []
    for name in dtype.names:
        sub, _ = dtype.fields[name][:2]
        base, shape = (sub.base, sub.shape) if sub.shape else (sub, ())
        if base.kind in "SU" or base.itemsize == 1:
            b = base if base.kind != "U" else np.dtype(f"S{base.itemsize // 4}")
        else:
            b = base.newbyteorder(">")
        fields.append((name, b, shape) if shape else (name, b))
    return np.dtype(fields)


def _card(key: str, value, comment: str = "") -> str:
    """One 80-character header card in FITS fixed format."""
    if isinstance(value, (bool, np.bool_)):
        text = f"{'T' if value else 'F':>20}"
    elif isinstance(value, (int, np.integer)):
        text = f"{int(value):>20d}"
    elif isinstance(value, (float, np.floating)):
        v = f"{float(value):.16G}"
        if "." not in v and "E" not in v:
            v += ".0"
        text = f"{v:>20}"
    else:
        quoted = "'" + f"{str(value).replace(chr(39), chr(39) * 2):<8}" + "'"
        text = f"{quoted:<20}"
    card = f"{key:<8}= {text}" + (f" / {comment}" if comment else "")
    return f"{card[:80]:<80}"


def header_bytes(cards: list) -> bytes:
    """A data-less primary header from (key, value[, comment]) cards, without astropy's per-card
    machinery (mock generation writes one per spectrum). Keys ≤ 8 characters, ASCII values."""
    text = "".join(_card(*c) for c in cards) + f"{'END':<80}"
    text += " " * (-len(text) % BLOCK)
    return text.encode("ascii")


def primary_bytes(header: fits.Header) -> bytes:
    """A data-less primary HDU with the given cards."""
    hdr = fits.PrimaryHDU(header=header).header
    return hdr.tostring().encode("ascii")
