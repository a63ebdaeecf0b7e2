"""The scrutiny office's annual completion report: its figures, tables and charts.

`build_report(data, year)` reads the Parquet datasets (through `analysis`) and
returns an `AnnualReport`, with its charts drawn by matplotlib as inline SVG;
`analysis.render` turns it into HTML, PDF, xlsx or CSV. Writing a file is the CLI's
job (through `write.write_bytes`).

Period rule: the report for a council year counts every recommendation assessed in that
year, at its latest assessment up to the year's end (later rounds are not yet known).
Without a year, every recommendation counts at its latest assessment.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline.analysis.query import read_only_query
from pipeline.analysis.stats import COUNTS, council_year, period, stats, year_bounds, years
from pipeline.datasets.history import frame
from pipeline.datasets.schema import HistoryRow
from pipeline.vocab import ACHIEVED, UNCATEGORISED, Outcome

# Outcome colours: one palette for every chart so a category reads the same everywhere.
OUTCOME_COLOURS = {Outcome.ACHIEVED: "#1b7837", Outcome.ACHIEVED_LATE: "#5aae61", Outcome.IN_PROGRESS: "#f4a582",
                   Outcome.NOT_ACHIEVED: "#b2182b", Outcome.WITHDRAWN: "#8073ac", None: "#bababa"}


# How the report names each count and outcome.
LABELS = {"recommendations": "Recommendations assessed", "achieved": "Achieved (on time or late)",
          Outcome.ACHIEVED: "Achieved", Outcome.ACHIEVED_LATE: "Achieved late", Outcome.NOT_ACHIEVED: "Not achieved",
          Outcome.IN_PROGRESS: "In progress", Outcome.WITHDRAWN: "Withdrawn", UNCATEGORISED: "Uncategorised",
          "share_late_of_achieved": "Share achieved late", "median_rounds_to_achievement": "Median rounds to achievement",
          "reviews": "Reviews"}


@dataclass(frozen=True)
class AnnualReport:
    """Everything the report shows, computed from the datasets."""

    period: str
    kind: str
    generated: dt.date
    headline: dict[str, object]
    by_committee: pd.DataFrame
    by_portfolio: pd.DataFrame
    trend: pd.DataFrame
    categories: pd.DataFrame
    open_recs: pd.DataFrame
    reviews: pd.DataFrame  # one row per review: lead member, date approved, rounds, outcomes
    sources: pd.DataFrame  # the tracking reports the figures come from (one copy of each)
    categories_used: pd.DataFrame  # each scheme's categories: label, counted as, criteria
    data_as_at: dt.date | None  # the latest report date in the data
    challenge: pd.DataFrame  # latest assessments carrying challenge flags
    council: str | None = None  # the one council reported on (None: every council)
    charts: dict[str, str] = field(default_factory=dict)




def _headline(rows: list[HistoryRow]) -> dict[str, object]:
    row = stats(rows, "council").row("All")
    return {
        **{str(c): row[str(c)] for c in COUNTS},
        "share_late_of_achieved": row["share_late_of_achieved"],
        "achieved_where_lateness_recorded": row["achieved_where_lateness_recorded"],
        "median_rounds_to_achievement": row["median_rounds_to_achievement"],
        "reviews": len({(r.council, r.review_key) for r in rows}),
        "councils": len({r.council for r in rows if r.council is not None}),
    }


def _trend(data: str | Path, kind: str, until: str | None, council: str | None = None) -> pd.DataFrame:
    """One row per council year: that year's report headline (same period rule), and the
    change in the share achieved since the year before (percentage points)."""
    rows = []
    for y in years(period(data, None, kind, council), kind):
        if until is not None and y > until:
            break
        if h := period(data, y, kind, council):
            rows.append({"year": y, **_headline(h)})
    trend = pd.DataFrame(rows)
    if len(trend):
        share = trend["achieved"] / trend["recommendations"].where(trend["recommendations"] > 0)
        trend["share_achieved"] = share.round(3)
        trend["change_in_share_achieved"] = (share.diff() * 100).round(1)  # points since the year before
    return trend


def _categories(h: pd.DataFrame) -> pd.DataFrame:
    """Counts of each latest category per committee (rows) and category (columns)."""
    if h.empty:
        return pd.DataFrame()
    label = (h["latest_category"].astype("Int64").astype(str) + " – " + h["latest_label"].fillna("?")).where(
        h["latest_category"].notna(), "Uncategorised")
    t = pd.crosstab(h["committee"].fillna("(unknown)"), label)
    code = lambda c: int(s) if (s := str(c).split(" – ")[0]).isdigit() else 999  # noqa: E731
    return t[sorted(t.columns, key=lambda c: (code(c), str(c)))]


def _reviews(h: pd.DataFrame, data: str | Path) -> pd.DataFrame:
    """One row per review in the period: council, title, lead member, date approved, rounds
    and its recommendations' latest outcomes."""
    if h.empty:
        return pd.DataFrame()
    reps = read_only_query(data, "select council, review_key, any_value(review_lead_member) as lead_member, "
                                 "min(date_approved) as approved from reports where canonical group by 1, 2")
    g = h.groupby(["council", "review_key"], dropna=False)
    out = g.agg(review=("review_title", "last"), recommendations=("rec_id", "count"), rounds=("n_rounds", "max"),
                achieved=("latest_outcome", lambda o: int(o.isin(ACHIEVED).sum())),
                open=("latest_outcome", lambda o: int((~o.isin(ACHIEVED)).sum()))).reset_index()
    out = out.merge(reps, on=["council", "review_key"], how="left")
    cols = {"council": "Council", "review": "Review", "lead_member": "Lead member", "approved": "Approved",
            "rounds": "Rounds", "recommendations": "Recommendations", "achieved": "Achieved", "open": "Not yet achieved"}
    return out[list(cols)].rename(columns=cols).sort_values(["Council", "Review"]).reset_index(drop=True)


def _sources(data: str | Path, h: pd.DataFrame, until: dt.date | None) -> pd.DataFrame:
    """The tracking reports behind the figures: the copy that counts of each round of the
    period's reviews dated up to `until` (the period's last day; later rounds are not counted), with its file."""
    if h.empty:
        return pd.DataFrame()
    # By round (a tracker over several reviews is a source for each of them).
    df = read_only_query(data, "select r.council, r.review_key, p.report_date, any_value(r.review_title) as title, "
                               "p.committee, p.source_file, count(*) as n_recommendations from recommendations r "
                               "join reports p using (report_id) where r.canonical group by r.report_id, r.council, "
                               "r.review_key, p.report_date, p.committee, p.source_file order by 3, 1, 4")
    keys = set(zip(h["council"], h["review_key"]))
    dates = pd.to_datetime(df["report_date"]).dt.date
    df = df.loc[[k in keys and (until is None or (pd.notna(d) and d <= until))
                 for k, d in zip(zip(df["council"], df["review_key"]), dates)]]
    cols = {"report_date": "Report date", "council": "Council", "title": "Review", "committee": "Committee",
            "n_recommendations": "Recommendations", "source_file": "File"}
    return df[list(cols)].rename(columns=cols).reset_index(drop=True)


def _categories_used(data: str | Path, council: str | None) -> pd.DataFrame:
    """Each scheme's categories: code, label, the outcome it counts as and its criteria, as
    stored with the reports read with it (of one council's reports, when given). A scheme
    whose reports carry no definitions (written by an older parser) lists the categories its
    recommendations print, without criteria."""
    defined = read_only_query(data, "select distinct council, category_scheme, c.code as category_code, "
                                    "c.label as category_label, c.outcome as category_outcome, c.criteria from "
                                    "(select council, category_scheme, unnest(scheme_categories) as c from reports)")
    printed = read_only_query(data, "select distinct council, category_scheme, category_code, category_label, "
                                    "category_outcome, '' as criteria from recommendations "
                                    "where category_code is not null")
    df = pd.concat([defined, printed[~printed["category_scheme"].isin(set(defined["category_scheme"]))]])
    if council is not None:
        df = df[df["council"].fillna("").str.casefold() == council.casefold()]
    df = df.drop(columns="council").drop_duplicates(["category_scheme", "category_code"])
    cols = {"category_scheme": "Scheme", "category_code": "Code", "category_label": "Category",
            "category_outcome": "Counted as", "criteria": "Criteria"}
    return df.sort_values(["category_scheme", "category_code"]).rename(columns=cols).reset_index(drop=True)


def _challenge(h: pd.DataFrame) -> pd.DataFrame:
    """The recommendations whose latest assessment carries challenge flags, one row each."""
    if h.empty or "flags" not in h:
        return pd.DataFrame()
    c = h[h["flags"].map(lambda f: f is not None and len(f) > 0)].copy()
    c["flags"] = c["flags"].map(lambda f: ", ".join(str(x).replace("_", " ") for x in f))
    cols = {"council": "Council", "review_title": "Review", "rec_id": "Rec", "flags": "Challenge",
            "latest_label": "Latest category", "last_report_date": "Assessed", "target_date": "Target",
            "completed_date": "Completed", "anticipated_date": "Anticipated"}
    return c.sort_values(["council", "review_title", "rec_number"])[list(cols)].rename(columns=cols).reset_index(drop=True)


def _open(h: pd.DataFrame) -> pd.DataFrame:
    if h.empty:
        return pd.DataFrame()
    o = h[~h["latest_outcome"].isin(ACHIEVED)].copy()
    o = o.sort_values(["anticipated_date", "council", "review_title", "rec_number"], na_position="last")
    cols = {"council": "Council", "review_title": "Review", "rec_id": "Rec", "recommendation": "Recommendation",
            "responsible_lead": "Responsible", "latest_label": "Latest category", "last_report_date": "Assessed",
            "target_date": "Target", "anticipated_date": "Anticipated"}
    return o[list(cols)].rename(columns=cols).reset_index(drop=True)


def report_years(data: str | Path, kind: str = "municipal", council: str | None = None) -> list[str]:
    """The council years in which a recommendation (of `council`) was assessed."""
    return years(period(data, None, kind, council), kind)


def build_report(data: str | Path, year: str | None = None, kind: str = "municipal",
                 council: str | None = None) -> AnnualReport:
    """The report for council `year` (like `2016/17`; None = all years) over the datasets in
    `data`, of one `council` (None = every council)."""
    rows = period(data, year, kind, council)
    h = frame(rows)
    if council is not None and len(h):
        council = str(h["council"].iloc[0])  # the council's name as its reports print it
    until = None
    if year is not None:
        first, until = year_bounds(year, kind)
        year = council_year(first, kind)  # canonical spelling, e.g. 2016-2017 -> 2016/17
    empty = pd.DataFrame()
    report = AnnualReport(
        period=year or "all years", kind=kind, generated=dt.date.today(),
        headline=_headline(rows),
        by_committee=stats(rows, "committee").frame() if rows else empty,
        by_portfolio=stats(rows, "portfolio").frame() if rows else empty,
        trend=_trend(data, kind, year, council), categories=_categories(h), open_recs=_open(h),
        challenge=_challenge(h), council=council, reviews=_reviews(h, data), sources=_sources(data, h, until),
        categories_used=_categories_used(data, council),
        data_as_at=max(h["last_report_date"]) if len(h) else None,
    )
    report.charts.update(draw_charts(report))
    return report


def _svg(fig: object, name: str) -> str:
    """`fig` as an inline SVG element whose ids (and the references to them) start with
    `name`: two charts in one page must not share an id (a marker drawn from the other's)."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})  # type: ignore[attr-defined]
    text = buf.getvalue()
    text = text[text.index("<svg"):]  # drop the XML prolog and doctype: it is inlined in HTML
    return re.sub(r'(\bid="|href="#|url\(#)', rf"\g<1>{name}-", text)


def draw_charts(report: AnnualReport) -> dict[str, str]:
    """Inline SVG charts: `trend` (per council year) and `categories` (stacked, per committee)."""
    import matplotlib

    matplotlib.use("Agg")  # no display on servers
    import matplotlib.pyplot as plt

    charts: dict[str, str] = {}
    # text.parse_math off: a committee named "Budget $5m$" is text, not TeX maths.
    with plt.rc_context({"svg.fonttype": "none", "font.size": 9, "svg.hashsalt": "scrutiny", "text.parse_math": False}):
        if not report.trend.empty:
            t = report.trend
            fig, ax = plt.subplots(figsize=(7, 3.2))
            x = range(len(t))
            for col in ("achieved", *(o for o in OUTCOME_COLOURS if o != Outcome.ACHIEVED)):
                name = str(col or UNCATEGORISED)
                colour = OUTCOME_COLOURS[Outcome.ACHIEVED if col == "achieved" else col]  # type: ignore[index]
                ax.plot(x, t[name], marker="o", color=colour, label=LABELS[name])
            ax.set_xticks(list(x), list(t["year"]))
            ax.set_ylabel("Recommendations")
            ax.set_xlabel(f"{report.kind.capitalize()} year of assessment")
            ax.set_ylim(bottom=0)
            ax.grid(axis="y", alpha=0.3)
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
            ax.set_title("Recommendations assessed per year, by latest outcome")
            charts["trend"] = _svg(fig, "trend")
            plt.close(fig)
        if not report.categories.empty:
            c = report.categories
            fig, ax = plt.subplots(figsize=(7, 0.5 + 0.45 * len(c)))
            cmap = plt.get_cmap("tab10")
            left = pd.Series(0, index=c.index)
            for i, col in enumerate(c.columns):
                ax.barh(list(c.index), c[col], left=left, color=cmap(i % 10), label=col)
                left = left + c[col]
            ax.invert_yaxis()
            ax.set_xlabel("Recommendations at latest assessment")
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
            ax.set_title("Latest category by committee")
            charts["categories"] = _svg(fig, "categories")
            plt.close(fig)
    return charts
