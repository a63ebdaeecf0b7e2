"""Every row of the date table of docs/normalisation.md."""

import datetime as dt

import pytest

from pipeline.fields.dates import find_dates, parse_date

D = dt.date

SPEC_TABLE = [
    ("14 April 2015", D(2015, 4, 14)),
    ("14th April 2015", D(2015, 4, 14)),
    ("14/04/2015", D(2015, 4, 14)),
    ("14.04.15", D(2015, 4, 14)),
    ("April 2015", D(2015, 4, 30)),
    ("Apr 2015", D(2015, 4, 30)),
    ("Sept 2016", D(2016, 9, 30)),
    ("end of March 2017", D(2017, 3, 31)),
    ("by March 2017", D(2017, 3, 31)),
    ("March 2017 onwards", D(2017, 3, 31)),
    ("Spring 2016", D(2016, 5, 31)),
    ("Summer 2016", D(2016, 8, 31)),
    ("Autumn 2016", D(2016, 11, 30)),
    ("Winter 2016", D(2017, 2, 28)),
    ("Winter 2015", D(2016, 2, 29)),
    ("2016/17", D(2017, 3, 31)),
    ("2016-17", D(2017, 3, 31)),
    ("Q1 2017/18", D(2017, 6, 30)),
    ("Q2 2017/18", D(2017, 9, 30)),
    ("Q3 2017/18", D(2017, 12, 31)),
    ("Q4 2017/18", D(2018, 3, 31)),
    ("Q1 2017", D(2017, 3, 31)),
    ("Q2 2017", D(2017, 6, 30)),
    ("Q3 2017", D(2017, 9, 30)),
    ("Q4 2017", D(2017, 12, 31)),
    ("2017", D(2017, 12, 31)),
    ("Ongoing", None),
    ("TBC", None),
    ("N/A", None),
    ("-", None),
    ("", None),
]


@pytest.mark.parametrize("printed,expected", SPEC_TABLE)
def test_spec_date_table(printed, expected, rules):
    assert parse_date(printed, rules) == expected


def test_dates_in_reading_order_with_rule_ids(rules):
    found = find_dates("Interim report – December 2016 Final report – Q4 2016/17 then 7/11/2016", rules)
    assert [m.value for m in found] == [D(2016, 12, 31), D(2017, 3, 31), D(2016, 11, 7)]
    assert [m.rule_id for m in found] == ["date.month_year", "date.fy_quarter", "date.numeric_dmy"]


def test_financial_year_needs_consecutive_years(rules):
    # "2015-2019" is a span of years, not a financial year: only the year alone reads.
    assert [m.rule_id for m in find_dates("2015-2019", rules)] == ["date.year", "date.year"]


def test_impossible_day_is_skipped(rules):
    assert parse_date("31/02/2016", rules) is None
