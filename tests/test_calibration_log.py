"""Reading and validating transaction logs; dates to steps; the cohort and its statistics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.calibration.cohort import from_log, from_purchases
from sim.calibration.log import LogError, LogFormat, check_window, read_log
from sim.calibration.statistics import (
    REPEAT_CAP,
    StatisticSet,
    bootstrap_weights,
    rfm,
    spend_quantiles,
    top_share,
    weekly_repeats,
)
from sim.calibration.timeline import PeriodError, Timeline, make_timeline

GOOD = """customer,date,amount
a,1997-01-01,10.5
a,1997-01-03,4.5
a,1997-01-20,7
b,1997-01-09,20
c,1997-02-01,0
"""


def write(tmp_path, text: str, name: str = "log.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_reads_a_csv_log_sorted_with_rows(tmp_path):
    log = read_log(write(tmp_path, GOOD))
    assert log.n_customers == 3
    assert list(log.table.columns) == ["customer", "date", "amount", "row"]
    assert log.table["date"].dtype.kind == "M"
    assert log.table["amount"].tolist() == [10.5, 4.5, 7.0, 20.0, 0.0]
    assert log.table["row"].tolist() == [1, 2, 3, 4, 5]


def test_column_names_date_format_and_headerless_whitespace_files(tmp_path):
    text = " 00004 0001 19970101  2   29.33\n 00004 0001 19970118  2   29.73\n" \
           " 00021 0002 19970101  3   63.34\n"
    fmt = LogFormat(customer="id", date="day", amount="dollars", date_format="%Y%m%d",
                    delimiter="whitespace", names=("master", "id", "day", "cds", "dollars"))
    log = read_log(write(tmp_path, text, "cdnow.txt"), fmt)
    assert log.table["customer"].tolist() == ["0001", "0001", "0002"]  # ids keep their text
    assert log.table["date"].iloc[1] == pd.Timestamp("1997-01-18")
    renamed = "who;when;paid\nx;02/01/1997;3\ny;1997-01-05;1\n"  # mixed formats too
    log = read_log(write(tmp_path, renamed), LogFormat("who", "when", "paid", dayfirst=True,
                                                       delimiter=";"))
    assert log.table["date"].iloc[0] == pd.Timestamp("1997-01-02")


def test_reads_parquet_with_real_datetimes(tmp_path):
    frame = pd.DataFrame({"customer": [1, 1, 2],
                          "date": pd.to_datetime(["1997-01-01 10:00", "1997-02-01", "1997-01-05"],
                                                 format="mixed"),
                          "amount": [1.0, 2.0, 3.0]})
    path = tmp_path / "log.parquet"
    frame.to_parquet(path)
    log = read_log(path)
    assert log.table["customer"].tolist() == ["1", "1", "2"]
    assert log.table["date"].iloc[0] == pd.Timestamp("1997-01-01")  # the day, not the time
    assert log.first_line is None


def test_missing_column_names_it_and_lists_what_is_there(tmp_path):
    with pytest.raises(LogError) as err:
        read_log(write(tmp_path, GOOD), LogFormat(amount="value"))
    message = str(err.value)
    assert "column 'value' (the amount) not found" in message
    assert "'customer', 'date', 'amount'" in message and "--amount-column" in message


def test_every_bad_value_is_reported_with_column_row_and_line(tmp_path):
    text = ("customer,date,amount\n"
            "a,1997-01-01,10\n"
            ",1997-01-02,3\n"          # row 2: empty id
            "b,1997-13-45,4\n"         # row 3: impossible date
            "c,yesterday,5\n"          # row 4: not a date
            "d,1997-01-05,-2.5\n"      # row 5: negative
            "e,1997-01-06,ten\n"       # row 6: not a number
            "f,1997-01-07,\n")         # row 7: missing
    with pytest.raises(LogError) as err:
        read_log(write(tmp_path, text), LogFormat(date_format="%Y-%m-%d"))
    problems = err.value.problems
    assert len(problems) == 5
    text_of = "\n".join(problems)
    assert "column 'customer': empty customer id at row 2 (line 3 of the file)" in text_of
    assert "column 'date': 2 date(s) do not parse with format '%Y-%m-%d' at rows 3, 4 " \
           "(lines 4, 5 of the file): '1997-13-45', 'yesterday'" in text_of
    assert "column 'amount': negative amount" in text_of and "row 5 (line 6" in text_of
    assert "column 'amount': amount is not a finite number at row 6 (line 7" in text_of
    assert "column 'amount': missing amount at row 7 (line 8" in text_of


def test_dates_with_utc_offsets_are_the_day_where_they_happened(tmp_path):
    text = ("customer,date,amount\na,1997-01-01T23:30:00+01:00,1\na,1997-01-02T00:30:00+01:00,2\n"
            "b,1997-01-03T23:00:00-05:00,3\nb,1997-01-04T08:00:00Z,4\nc,1997-01-05,5\n")
    log = read_log(write(tmp_path, text))
    assert log.table["date"].tolist() == [pd.Timestamp(f"1997-01-0{d}") for d in range(1, 6)]
    same = "customer,date,amount\na,1997-01-01T23:30:00+01:00,1\nb,1997-01-02T01:00:00+01:00,2\n"
    assert read_log(write(tmp_path, same)).table["date"].dt.day.tolist() == [1, 2]


def test_a_file_that_is_not_utf8_says_so(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("customer,date,amount\nclient\xe9,1997-01-01,1\n".encode("latin-1"))
    with pytest.raises(LogError, match=r"not UTF-8 text \(it has byte 0xe9\): save it as UTF-8"):
        read_log(path)


def test_unreadable_and_empty_files(tmp_path):
    with pytest.raises(LogError, match="file not found"):
        read_log(tmp_path / "nope.csv")
    with pytest.raises(LogError, match="no transactions"):
        read_log(write(tmp_path, "customer,date,amount\n"))
    with pytest.raises(LogError, match="the file is empty"):
        read_log(write(tmp_path, "", "empty.csv"))
    with pytest.raises(LogError, match="is a folder, not a file"):
        read_log(tmp_path)


@pytest.mark.parametrize(("text", "delimiter", "hint"), [
    ("customer;date;amount\na;1997-01-01;1\n", ",", "pass --delimiter ';'"),
    ("customer\tdate\tamount\na\t1997-01-01\t1\n", ",", "pass --delimiter tab"),
    ("customer date amount\na 1997-01-01 1\n", ",", "pass --delimiter whitespace"),
    ("customer,date,amount\na,1997-01-01,1\n", ";", "pass --delimiter ','"),
])
def test_a_header_split_by_another_delimiter_is_named(tmp_path, text, delimiter, hint):
    with pytest.raises(LogError) as caught:
        read_log(write(tmp_path, text), LogFormat(delimiter=delimiter))
    assert hint in str(caught.value) and "not found" in str(caught.value)


@pytest.mark.parametrize("delimiter", ["tab", "\\t", "\t"])
def test_tab_separated_logs_by_name_or_character(tmp_path, delimiter):
    log = read_log(write(tmp_path, GOOD.replace(",", "\t")), LogFormat(delimiter=delimiter))
    assert log.n_customers == 3


@pytest.mark.parametrize("name", ["log.tsv", "log.TAB", "log.tsv.gz"])
def test_tsv_files_are_tab_separated_unless_told_otherwise(tmp_path, name):
    import gzip

    text = GOOD.replace(",", "\t")
    path = tmp_path / name
    if name.endswith(".gz"):
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text, encoding="utf-8")
    assert read_log(path).n_customers == 3
    with pytest.raises(LogError, match="pass --delimiter tab"):
        read_log(path, LogFormat(delimiter=","))


def test_a_column_named_twice_and_a_bad_delimiter_are_refused(tmp_path):
    with pytest.raises(LogError, match=r"column 'amount' \(the amount\) appears 2 times"):
        read_log(write(tmp_path, "customer,date,amount,amount\na,1997-01-01,1,2\n"))
    with pytest.raises(LogError) as caught:
        read_log(write(tmp_path, GOOD), LogFormat(delimiter="xy"))
    assert caught.value.problems == ["delimiter 'xy': give one character, 'tab' or "
                                     "'whitespace' (runs of spaces)"]


def test_transactions_before_the_calibration_start_name_customer_and_row(tmp_path):
    log = read_log(write(tmp_path, GOOD))
    check_window(log, pd.Timestamp("1997-01-01"))  # nothing earlier: fine
    with pytest.raises(LogError) as err:
        check_window(log, pd.Timestamp("1997-01-05"))
    message = str(err.value)
    assert "1 customer(s) have transactions before the calibration start 1997-01-05" in message
    assert "customer 'a' on 1997-01-01 (row 1 (line 2 of the file))" in message


def test_timeline_steps_and_whole_step_periods():
    tl = make_timeline(pd.Timestamp("1997-01-01"), pd.Timestamp("1997-09-30"),
                       pd.Timestamp("1998-06-30"), steps_per_year=52)
    assert (tl.calibration_steps, tl.holdout_steps, tl.step_days) == (39, 39, 7.0)
    assert tl.calibration_end == pd.Timestamp("1997-09-30")
    assert tl.holdout_end == pd.Timestamp("1998-06-30")
    steps = tl.steps_of(pd.to_datetime(["1997-01-01", "1997-01-07", "1997-01-08",
                                        "1996-12-31"]))
    assert steps.tolist() == [1, 1, 2, 0]
    with pytest.raises(PeriodError, match=r"1997-09-23 \(38 steps\) or 1997-09-30 \(39 steps\)"):
        make_timeline(pd.Timestamp("1997-01-01"), pd.Timestamp("1997-09-28"), None, 52)
    with pytest.raises(PeriodError, match="must be after the calibration end"):
        make_timeline(pd.Timestamp("1997-01-01"), pd.Timestamp("1997-09-30"),
                      pd.Timestamp("1997-09-01"), 52)
    monthly = make_timeline(pd.Timestamp("2020-01-01"), pd.Timestamp("2020-12-29"), None, 12)
    assert monthly.calibration_steps == 12  # twelve steps of 30.33 days: 364 days
    assert monthly.steps_of(pd.to_datetime(["2020-01-30", "2020-01-31", "2020-12-29"])).tolist() \
        == [1, 2, 12]
    assert monthly.day_of(2) == pd.Timestamp("2020-01-31")


def test_cohort_merges_purchases_within_a_step_and_drops_late_first_buyers(tmp_path):
    text = ("customer,date,amount\n"
            "a,1997-01-01,10\na,1997-01-03,5\na,1997-01-20,7\n"   # steps 1, 1, 3
            "b,1997-01-09,20\nb,1997-03-01,1\n"                   # steps 2, 9 (after end)
            "c,1997-02-01,3\n")                                   # first purchase after end
    log = read_log(write(tmp_path, text))
    tl = Timeline(pd.Timestamp("1997-01-01"), 7.0, calibration_steps=4, holdout_steps=2)
    cohort = from_log(log, tl)
    assert cohort.labels.tolist() == ["a", "b"]
    assert cohort.first_step.tolist() == [1, 2]
    # a's two purchases in step 1 are one transaction; b's in step 9 is past the timeline
    assert cohort.customer.tolist() == [0, 0, 1]
    assert cohort.step.tolist() == [1, 3, 2]
    assert cohort.amount.tolist() == [15.0, 7.0, 20.0]
    summary = rfm(cohort, 4, 2)
    assert summary["frequency"].tolist() == [1, 0]
    assert summary["recency"].tolist() == [2, 0]
    assert summary["age"].tolist() == [3, 2]


def _toy_cohort():
    # customer 0: first step 1, repeats at 3, 4; customer 1: first 2, none;
    # customer 2: first 1, repeats 2..9 (8 repeats); holdout steps 11, 12
    ids = [0, 0, 0, 1, *([2] * 9), 0, 2]
    steps = [1, 3, 4, 2, *range(1, 10), 11, 12]
    tl = Timeline(pd.Timestamp("2000-01-03"), 7.0, 10, 3)
    return from_purchases(np.array(ids), np.array(steps), np.arange(len(ids)) + 1.0,
                          tl.calibration_steps, tl.total_steps), tl


def test_rfm_weekly_repeats_and_statistics_on_a_known_cohort():
    cohort, _ = _toy_cohort()
    summary = rfm(cohort, 10, 3)
    assert summary["frequency"].tolist() == [2, 0, 8]
    assert summary["recency"].tolist() == [3, 0, 8]
    assert summary["age"].tolist() == [9, 8, 9]
    assert summary["holdout"].tolist() == [1, 0, 1]
    weekly = weekly_repeats(cohort, 13)
    assert weekly[:10].tolist() == [0, 1, 2, 2, 1, 1, 1, 1, 1, 0]
    stats = StatisticSet(10, block=5)
    names = stats.names()
    values = dict(zip(names, stats.statistics(cohort), strict=True))
    assert values["repeats/customer steps 1-5"] == pytest.approx(6 / 3)
    assert values["repeats/customer steps 6-10"] == pytest.approx(4 / 3)
    assert values["share x=0"] == pytest.approx(1 / 3)
    assert values["share x=2"] == pytest.approx(1 / 3)
    assert values[f"share x={REPEAT_CAP}+"] == pytest.approx(1 / 3)
    assert values["recency x=2-3"] == pytest.approx(3 / 9 / 3)
    assert values["recency x=4+"] == pytest.approx(8 / 9 / 3)
    assert values["recency x=1"] == 0.0
    assert stats.families()["repeat counts"] == slice(2, 2 + REPEAT_CAP + 1)


def test_bootstrap_keeps_each_first_step_and_spend_quantiles_match_unweighted():
    cohort, _ = _toy_cohort()
    rng = np.random.default_rng(3)
    weights = bootstrap_weights(cohort.first_step, 50, rng)
    assert weights.shape == (50, 3)
    assert np.all(weights[:, 1] == 1)  # the only customer who arrived in step 2
    assert np.all(weights[:, 0] + weights[:, 2] == 2)
    ones = np.ones((1, cohort.n_customers))
    plain = spend_quantiles(cohort, 10)
    weighted = spend_quantiles(cohort, 10, ones)[0]
    assert np.allclose(weighted, plain, atol=np.log(2))  # step quantile vs interpolated


def test_top_share_is_the_80_20_figure():
    assert top_share(np.array([80.0, 5, 5, 5, 5])) == pytest.approx(0.8)
    assert top_share(np.ones(10)) == pytest.approx(0.2)
