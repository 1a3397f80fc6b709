"""CSV in and out (RFC 4180, UTF-8), safe to open in a spreadsheet.

A cell that a spreadsheet would run as a formula (it starts with =, +, -, @,
a tab or a carriage return) is written with a leading apostrophe, and so is
a cell that already starts with one; reading strips exactly that apostrophe
again, so an export imports back to the same text.
"""

import csv
import io
from collections.abc import Iterable, Iterator

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ROWS_PER_CHUNK = 1000


def escape_cell(value: str) -> str:
    if value.startswith(FORMULA_STARTS) or value.startswith("'"):
        return "'" + value
    return value


def unescape_cell(value: str) -> str:
    if value.startswith("'") and value[1:].startswith((*FORMULA_STARTS, "'")):
        return value[1:]
    return value


def read(text: str) -> tuple[list[str], list[list[str]]]:
    """The header and the data rows of a CSV document (a UTF-8 BOM is dropped)."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), strict=True)
    header = next(reader, [])
    return header, [[unescape_cell(cell) for cell in row] for row in reader if row]


def write(header: list[str], rows: Iterable[Iterable]) -> Iterator[str]:
    """Yield a CSV document in chunks of text, each row's cells made safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for count, row in enumerate(rows, start=1):
        writer.writerow([escape_cell(cell) if isinstance(cell, str) else cell for cell in row])
        if count % ROWS_PER_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
