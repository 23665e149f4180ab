"""python-calamine, run on an uploaded workbook in a child process with memory and time limits.

calamine is native code that believes what a workbook says about itself; when it cannot get
the memory it asks for it aborts the whole process (no exception to catch). reading.py
measures every workbook before it gets here, but a rule it misses must cost one refused
upload, not a server worker. So the parse happens in a fresh interpreter (never a fork of a
possibly threaded server), which caps its own address space and CPU time before it reads a
byte, and answers on stdout in JSON, never pickle (what it says is as untrusted as the file).

This file is also that child's program. It starts without ``site`` (-S; python_calamine's
folder is passed to it) and imports only what it needs, so it is up in ~30 ms.
"""

from __future__ import annotations

import contextlib
import datetime
import importlib.util
import io
import json
import os
import resource
import sys

# The child needs nothing from our environment (secrets included) to read a workbook.
_CHILD_ENV = ("PATH", "LD_LIBRARY_PATH")


class ReaderFailed(Exception):
    """The workbook could not be read; ``.code`` says why.

    From the child: "password", "damaged", "memory" (it ran out), "too_large" (its answer
    would pass ``max_output`` bytes). From the parent: "timeout", "crashed" (the child died,
    say killed by its memory limit, or said nothing we understand).
    """

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def read_workbook(data: bytes, *, memory_mb: int, timeout: float, max_output: int) -> dict:
    """``{"sheets": [{"name", "rows"}, ...], "hidden": bool}`` for the visible worksheets.

    ``hidden`` tells whether a hidden worksheet was skipped. Raises ReaderFailed.
    """
    # Imported here, not above: the child runs this file and needs neither.
    import logging
    import subprocess

    logger = logging.getLogger(__name__)
    command = [
        sys.executable,
        "-I",  # no PYTHON* variables, no user site, not the working directory on sys.path
        "-S",  # nor site-packages: it only needs calamine, and site costs more than the rest
        os.path.abspath(__file__),
        _calamine_folder(),
        str(int(memory_mb)),
        str(int(timeout) + 1),  # CPU seconds: stops a child left behind by a killed parent
        str(int(max_output)),
    ]
    env = {name: os.environ[name] for name in _CHILD_ENV if name in os.environ}
    try:
        # An absolute interpreter, our own script, no shell: nothing from the upload is run.
        done = subprocess.run(  # noqa: S603
            command, input=data, capture_output=True, timeout=timeout, env=env, check=False
        )
    except subprocess.TimeoutExpired:  # run() has killed the child
        logger.warning("Workbook reader stopped after %s s (%s bytes)", timeout, len(data))
        raise ReaderFailed("timeout") from None
    except OSError:
        logger.exception("Workbook reader could not start")
        raise ReaderFailed("crashed") from None
    try:
        answer = json.loads(done.stdout, object_hook=json_tagged) if done.returncode == 0 else None
    except ValueError:
        answer = None
    if not isinstance(answer, dict) or not ("sheets" in answer or "error" in answer):
        logger.warning(
            "Workbook reader died (exit %s, %s bytes): %s",
            done.returncode,
            len(data),
            done.stderr[-400:].decode("utf-8", "replace"),
        )
        raise ReaderFailed("crashed")
    if "error" in answer:
        raise ReaderFailed(str(answer["error"]))
    return answer


def _calamine_folder() -> str:
    """The folder python_calamine is installed in (found, not imported)."""
    spec = importlib.util.find_spec("python_calamine")
    return os.path.dirname(os.path.dirname(spec.origin))


# --- Kept what was read: JSON with dates tagged (also the child's answer) -----------------------


def json_cell(value):
    if isinstance(value, datetime.datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, datetime.date):
        return {"date": value.isoformat()}
    raise TypeError(type(value))


def json_tagged(value: dict):
    if "datetime" in value:
        return datetime.datetime.fromisoformat(value["datetime"])
    if "date" in value:
        return datetime.date.fromisoformat(value["date"])
    return value


# --- In the child -------------------------------------------------------------------------------


class _Refused(Exception):
    pass


def has_content(row: list) -> bool:
    return any(cell is not None for cell in row)


def drop_trailing_blank_rows(rows: list[list]) -> list[list]:
    while rows and not has_content(rows[-1]):
        rows.pop()
    return rows


def _read(data: bytes) -> dict:
    import python_calamine  # here, once the limits are set (and the parent never loads it)

    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets, hidden = [], False
        for index, meta in enumerate(workbook.sheets_metadata):
            if meta.typ != python_calamine.SheetTypeEnum.WorkSheet:
                continue  # chart and dialog sheets hold no rows
            if meta.visible != python_calamine.SheetVisibleEnum.Visible:
                hidden = True
                continue
            sheet = workbook.get_sheet_by_index(index)
            grid = [
                [_cell(value) for value in row] for row in sheet.to_python(skip_empty_area=False)
            ]
            _fill_merged(grid, sheet.merged_cell_ranges or [])
            sheets.append({"name": meta.name, "rows": drop_trailing_blank_rows(grid)})
    except python_calamine.PasswordError:
        raise _Refused("password") from None
    except (python_calamine.CalamineError, ValueError, OverflowError):
        raise _Refused("damaged") from None
    return {"sheets": sheets, "hidden": hidden}


def _cell(value):
    """A calamine value as the interface promises: None, str, int, float, bool, date, datetime."""
    if isinstance(value, str):
        return value or None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    # A time of day or a duration (formatted [h]:mm) is kept as Excel shows it.
    if isinstance(value, datetime.time):
        return value.isoformat(timespec="minutes" if not value.second else "seconds")
    if isinstance(value, datetime.timedelta):
        minutes, seconds = divmod(round(value.total_seconds()), 60)
        hours, minutes = divmod(minutes, 60)
        return f"{hours}:{minutes:02}" + (f":{seconds:02}" if seconds else "")
    return value


def _fill_merged(grid: list[list], ranges) -> None:
    """Give every cell of a merged area the value shown in it: its top-left cell's.

    Areas are clipped to the used rectangle, so a merge reaching XFD1048576 costs nothing;
    overlapping areas (which Excel never writes) may not fill more cells than the grid holds.
    """
    height, width = len(grid), len(grid[0]) if grid else 0
    budget = height * width
    for (top, left), (bottom, right) in ranges:
        if top >= height or left >= width:
            continue
        value = grid[top][left]
        bottom, right = min(bottom, height - 1), min(right, width - 1)
        budget -= max(bottom - top + 1, 0) * max(right - left + 1, 0)
        if budget < 0:
            raise _Refused("damaged")
        for row in grid[top : bottom + 1]:
            row[left : right + 1] = [value] * (right - left + 1)


def _limit(kind: int, value: int) -> None:
    """Lower a limit, soft and hard alike (the child cannot raise it again)."""
    hard = resource.getrlimit(kind)[1]
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    # Some kernels refuse some limits (macOS and RLIMIT_AS): a crash still stays in here, and
    # the parent's timeout still holds.
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(kind, (value, value))


def main(argv: list[str]) -> int:
    sys.path.append(argv[1])  # after the standard library: only calamine is wanted from it
    memory_mb, cpu_seconds, max_output = (int(arg) for arg in argv[2:5])
    # Before anything is read: past these the kernel stops us, whatever calamine believes.
    _limit(resource.RLIMIT_AS, memory_mb * 1024 * 1024)
    _limit(resource.RLIMIT_CPU, cpu_seconds)
    _limit(resource.RLIMIT_CORE, 0)  # an abort leaves no copy of the upload on disk
    _limit(resource.RLIMIT_FSIZE, 0)  # and we write no file
    data = sys.stdin.buffer.read()
    try:
        answer = _read(data)
        out = json.dumps(answer, default=json_cell, ensure_ascii=False).encode()
        if len(out) > max_output:
            out = b'{"error": "too_large"}'
    except _Refused as refused:
        out = json.dumps({"error": str(refused)}).encode()
    except MemoryError:
        answer = None  # let go of what we hold before saying so
        out = b'{"error": "memory"}'
    sys.stdout.buffer.write(out)
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
