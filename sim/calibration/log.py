"""Reading a firm's transaction log and checking it before any work is done.

A log is a table with one row per transaction: who bought (a customer id), when (a date)
and for how much (an amount in the log's currency), as CSV (any delimiter, with or without
a header line; ``.gz`` and other pandas-readable compressions too) or Parquet. Column
names are settable; dates are parsed with an explicit ``strftime`` format or inferred.

Every problem is reported at once, each naming the column and the rows (data rows counted
from 1, and for CSV files the line of the file), so a bad file is fixed in one pass:
a missing column, empty customer ids, dates that do not parse, amounts that are missing,
not numbers or negative, and — once the calibration window is known
(:func:`check_window`) — customers whose transactions precede the calibration start.
Zero amounts are allowed (CDNOW has a few).

Seed idea: the customer-base dynamics of real transaction logs (Schmittlein, Morrison &
Colombo 1987; Fader, Hardie & Lee 2005) — what a calibrated market is judged against.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

#: Shown for at most this many offending rows per problem (the count is always given).
ROWS_SHOWN = 5
PARQUET_SUFFIXES = (".parquet", ".pq")
#: Delimiters given by name (a shell passes a tab badly).
DELIMITER_NAMES = {"whitespace": r"\s+", "tab": "\t", "\\t": "\t"}
#: Files read as tab-separated unless a delimiter is given (compressed ones too).
TAB_SUFFIXES = (".tsv", ".tab")


class LogError(ValueError):
    """A transaction log that cannot be used: every problem, each naming column and rows.

    ``problems`` holds the individual messages.
    """

    def __init__(self, source: str, problems: Sequence[str]):
        self.source = source
        self.problems = list(problems)
        lines = [f"{source}: {len(self.problems)} problem(s) in transaction log"]
        lines += [f"  - {p}" for p in self.problems]
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class LogFormat:
    """How to read a log: which columns hold what, and how the file is laid out.

    Attributes
    ----------
    customer, date, amount
        Column names of the customer id, the transaction date and its amount (money).
    date_format
        ``strftime`` format of the dates (e.g. ``"%Y%m%d"``); None: inferred by pandas.
    dayfirst
        For inferred dates: read ``01/02/1997`` as 1 February.
    delimiter
        CSV field separator: one character, ``"tab"``, or ``"whitespace"`` for runs of
        spaces or tabs; None: a tab for ``.tsv`` and ``.tab`` files, else a comma.
    names
        Column names for a CSV file without a header line (in file order).
    """

    customer: str = "customer"
    date: str = "date"
    amount: str = "amount"
    date_format: str | None = None
    dayfirst: bool = False
    delimiter: str | None = None
    names: tuple[str, ...] | None = None


@dataclass(frozen=True)
class TransactionLog:
    """A validated log: columns ``customer`` (str), ``date`` (datetime64, day), ``amount``
    (float) and ``row`` (the data row it came from, counted from 1), sorted by customer
    and date."""

    table: pd.DataFrame
    source: str
    #: Line of the file of data row 1 (CSV with a header: 2), or None for Parquet.
    first_line: int | None = None

    @property
    def n_customers(self) -> int:
        """Distinct customers in the log."""
        return int(self.table["customer"].nunique())

    def where(self, rows: Sequence[int]) -> str:
        """'rows 3, 17 (lines 4, 18)': how a problem names the rows it is about."""
        return _where(list(rows), self.first_line)


def read_log(path: str | Path, fmt: LogFormat = LogFormat()) -> TransactionLog:
    """Read and validate a transaction log.

    Parameters
    ----------
    path
        A CSV (``.csv``, ``.txt``, ``.tsv``, compressed or not) or Parquet file.
    fmt
        Column names, date format and layout.

    Raises
    ------
    LogError
        Listing every problem found, each naming the column and the offending rows.
    """
    path = Path(path)
    source = str(path)
    if path.is_dir():
        raise LogError(source, [f"is a folder, not a file (looked at {path.resolve()})"])
    if not path.is_file():
        raise LogError(source, [f"file not found (looked at {path.resolve()})"])
    sep = separator(path, fmt.delimiter)
    raw, first_line, header = _read_raw(path, fmt, sep, source)
    wanted = {"customer": fmt.customer, "date": fmt.date, "amount": fmt.amount}
    missing = [f"column {col!r} (the {role}) not found; the columns are "
               f"{', '.join(map(repr, header))} (set it with --{role}-column)"
               f"{_delimiter_hint(header, sep)}"
               for role, col in wanted.items() if col not in header]
    missing += [f"column {col!r} (the {role}) appears {header.count(col)} times in the "
                f"header; rename all but one, or choose another with --{role}-column"
                for role, col in wanted.items() if header.count(col) > 1]
    if missing:
        raise LogError(source, missing)
    if raw.empty:
        raise LogError(source, ["the log has no transactions"])
    problems: list[str] = []
    rows = np.arange(1, len(raw) + 1)
    customer = _customer_ids(raw[fmt.customer], rows, fmt.customer, first_line, problems)
    date = _dates(raw[fmt.date], rows, fmt, first_line, problems)
    amount = _amounts(raw[fmt.amount], rows, fmt.amount, first_line, problems)
    if problems:
        raise LogError(source, problems)
    table = pd.DataFrame({"customer": customer, "date": date, "amount": amount, "row": rows})
    table = table.sort_values(["customer", "date", "row"], kind="stable", ignore_index=True)
    return TransactionLog(table, source, first_line)


def check_window(log: TransactionLog, start: pd.Timestamp) -> None:
    """Every customer's history must begin inside the window: no transaction before
    ``start`` (the calibration start), or the log does not show their first purchase.

    Raises
    ------
    LogError
        Naming the customers, their earliest rows and dates.
    """
    early = log.table[log.table["date"] < start]
    if early.empty:
        return
    first = early.groupby("customer", sort=False).head(1)
    shown = first.head(ROWS_SHOWN)
    examples = "; ".join(f"customer {c!r} on {d:%Y-%m-%d} ({log.where([r])})"
                         for c, d, r in zip(shown["customer"], shown["date"], shown["row"],
                                            strict=True))
    raise LogError(log.source, [
        f"column {'date'!r}: {len(first)} customer(s) have transactions before the calibration "
        f"start {start:%Y-%m-%d} — {examples}; the log must begin with each customer's first "
        f"purchase (drop their earlier rows or start the calibration earlier)"])


# ----------------------------------------------------------------------- internals
def _read_raw(path: Path, fmt: LogFormat, sep: str,
              source: str) -> tuple[pd.DataFrame, int | None, list[str]]:
    """The table read with separator ``sep``, the file line of its first data row, and the
    column names as the file has them (pandas renames a repeated ``amount`` ``amount.1``)."""
    if len(sep) != 1 and fmt.delimiter != "whitespace":
        raise LogError(source, [f"delimiter {fmt.delimiter!r}: give one character, 'tab' or "
                                "'whitespace' (runs of spaces)"])
    engine = "python" if sep == r"\s+" else "c"
    try:
        if path.suffix.lower() in PARQUET_SUFFIXES:
            raw = pd.read_parquet(path)
            return raw, None, [str(c) for c in raw.columns]
        if fmt.names:
            header = [str(n).strip() for n in fmt.names]
        else:
            header = [str(c).strip() for c in pd.read_csv(
                path, sep=sep, header=None, nrows=1, dtype=str, keep_default_na=False,
                skipinitialspace=True, engine=engine).iloc[0]]
        raw = pd.read_csv(path, sep=sep, header=None if fmt.names else "infer",
                          names=list(fmt.names or []) or None, dtype=str,
                          keep_default_na=False, skipinitialspace=True, engine=engine)
    except pd.errors.EmptyDataError as exc:
        raise LogError(source, ["the file is empty"]) from exc
    except UnicodeDecodeError as exc:
        raise LogError(source, [f"the file is not UTF-8 text (it has byte "
                                f"{exc.object[exc.start]:#x}): save it as UTF-8"]) from exc
    except (OSError, ValueError, ImportError) as exc:
        raise LogError(source, [f"cannot read the file: {exc}"]) from exc
    raw.columns = [str(c).strip() for c in raw.columns]
    return raw, (1 if fmt.names else 2), header


def separator(path: Path, delimiter: str | None) -> str:
    """The field separator to read ``path`` with (see :class:`LogFormat`)."""
    if delimiter is None:
        tabbed = any(s.lower() in TAB_SUFFIXES for s in path.suffixes[-2:])
        return "\t" if tabbed else ","
    return DELIMITER_NAMES.get(delimiter, delimiter)


def _delimiter_hint(header: list[str], used: str) -> str:
    """A hint when the whole header came out as one column split by another separator."""
    if len(header) != 1:
        return ""
    for sep, option in ((";", "';'"), ("\t", "tab"), ("|", "'|'"), (",", "','")):
        if sep in header[0] and sep != used:
            return f"; the header looks {option}-separated: pass --delimiter {option}"
    if " " in header[0].strip() and used != DELIMITER_NAMES["whitespace"]:
        return "; the header looks space-separated: pass --delimiter whitespace"
    return ""


def _where(rows: list[int], first_line: int | None) -> str:
    shown = rows[:ROWS_SHOWN]
    more = f" and {len(rows) - len(shown)} more" if len(rows) > len(shown) else ""
    noun = "row" if len(rows) == 1 else "rows"
    text = f"{noun} {', '.join(map(str, shown))}{more}"
    if first_line is not None:
        lines = ", ".join(str(r - 1 + first_line) for r in shown)
        text += f" ({'line' if len(rows) == 1 else 'lines'} {lines} of the file)"
    return text


def _blank(values: pd.Series) -> np.ndarray:
    return (values.isna() | (values.astype(str).str.strip() == "")).to_numpy()


def _customer_ids(values: pd.Series, rows: np.ndarray, column: str, first_line: int | None,
                  problems: list[str]) -> np.ndarray:
    blank = _blank(values)
    if blank.any():
        problems.append(f"column {column!r}: empty customer id at "
                        f"{_where(rows[blank].tolist(), first_line)}")
    # Ids are labels: '00004' and '4' differ, and a number read from Parquet keeps its text.
    return values.astype(str).str.strip().to_numpy()


def _dates(values: pd.Series, rows: np.ndarray, fmt: LogFormat, first_line: int | None,
           problems: list[str]) -> np.ndarray:
    if pd.api.types.is_datetime64_any_dtype(values):
        parsed = _wall_time(values)
    else:
        text = values.astype(str).str.strip()
        parsed = _parsed_dates(text, fmt.date_format, fmt.dayfirst)
        retry = parsed.isna() & (text != "")
        if fmt.date_format is None and retry.any():  # inferred from the first date: mixed?
            parsed[retry] = _parsed_dates(text[retry], "mixed", fmt.dayfirst)
    bad = parsed.isna().to_numpy()
    if bad.any():
        examples = ", ".join(repr(v) for v in values[bad].astype(str).head(ROWS_SHOWN))
        how = (f"format {fmt.date_format!r}" if fmt.date_format
               else "an inferred format (set one with --date-format, e.g. %Y-%m-%d)")
        problems.append(f"column {fmt.date!r}: {int(bad.sum())} date(s) do not parse with {how}"
                        f" at {_where(rows[bad].tolist(), first_line)}: {examples}")
    return parsed.dt.floor("D").to_numpy()


def _parsed_dates(text: pd.Series, date_format: str | None, dayfirst: bool) -> pd.Series:
    """Dates of ``text`` (NaT where one does not parse), each at its own wall time: a
    transaction's day is the day where it happened, whatever its UTC offset."""
    try:
        parsed = pd.to_datetime(text, format=date_format, dayfirst=dayfirst, errors="coerce")
    except ValueError:  # offsets that differ between rows: pandas wants one time zone
        return pd.Series([_wall_time(pd.to_datetime(t, format=date_format, dayfirst=dayfirst,
                                                    errors="coerce")) for t in text],
                         index=text.index, dtype="datetime64[ns]")
    return _wall_time(parsed)


def _wall_time(dates):
    """``dates`` (a series or one timestamp) without its time zone, at its wall time."""
    if isinstance(dates, pd.Series):
        return dates.dt.tz_localize(None) if dates.dt.tz is not None else dates
    return dates.tz_localize(None) if dates is not pd.NaT and dates.tzinfo else dates


def _amounts(values: pd.Series, rows: np.ndarray, column: str, first_line: int | None,
             problems: list[str]) -> np.ndarray:
    blank = _blank(values)
    number = pd.to_numeric(values.where(~blank), errors="coerce")
    not_number = number.isna().to_numpy() & ~blank
    finite = np.isfinite(number.to_numpy(dtype=float, na_value=np.nan))
    infinite = ~finite & ~number.isna().to_numpy()
    negative = (number < 0).to_numpy()
    for mask, what in ((blank, "missing amount"), (not_number | infinite, "amount is not a "
                       "finite number"), (negative, "negative amount (returns must be netted "
                       "out before calibration)")):
        if mask.any():
            examples = ", ".join(repr(v) for v in values[mask].astype(str).head(ROWS_SHOWN))
            problems.append(f"column {column!r}: {what} at "
                            f"{_where(rows[mask].tolist(), first_line)}"
                            + (f": {examples}" if what != "missing amount" else ""))
    return number.to_numpy(dtype=float, na_value=np.nan)
