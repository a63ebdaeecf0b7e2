"""The scrutiny office's annual completion report: one self-contained HTML file.

`build_report(data, rules, year)` reads the Parquet datasets (through `analysis`) and
returns an `AnnualReport`; `render_html(report)` turns it into HTML with the charts
drawn by matplotlib and embedded as inline SVG, so the file needs nothing else to open.
Writing the file is the CLI's job (through `write.write_bytes`).

Period rule: the report for a council year counts every recommendation assessed in that
year, at its latest assessment up to the year's end (later rounds are not yet known).
Without a year, every recommendation counts at its latest assessment.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .analysis import ACHIEVED, council_year, history, stats, year_bounds
from .rules import Rules

# Outcome colours: one palette for every chart so a category reads the same everywhere.
OUTCOME_COLOURS = {"achieved": "#1b7837", "achieved_late": "#a6dba0", "in_progress": "#f4a582",
                   "not_achieved": "#b2182b", None: "#bababa"}


@dataclass(frozen=True)
class AnnualReport:
    """Everything the HTML shows, computed from the datasets."""

    period: str
    kind: str
    generated: dt.date
    headline: dict[str, object]
    by_committee: pd.DataFrame
    by_portfolio: pd.DataFrame
    trend: pd.DataFrame
    categories: pd.DataFrame
    open_recs: pd.DataFrame
    charts: dict[str, str] = field(default_factory=dict)


def _period(data: str | Path, rules: Rules, label: str | None, kind: str) -> pd.DataFrame:
    """History rows counted in one council year (or all of them when `label` is None)."""
    if label is None:
        return history(data, rules)
    first, last = year_bounds(label, kind)
    hist = history(data, rules, as_of=last)
    if hist.empty:
        return hist
    return hist[pd.to_datetime(hist["last_report_date"]).dt.date >= first].reset_index(drop=True)


def _headline(h: pd.DataFrame) -> dict[str, object]:
    row = stats(h, "council").iloc[-1]
    return {
        "recommendations": int(row["recommendations"]), "achieved": int(row["achieved"]),
        "achieved_late": int(row["achieved_late"]), "not_achieved": int(row["not_achieved"]),
        "in_progress": int(row["in_progress"]), "uncategorised": int(row["uncategorised"]),
        "share_late_of_achieved": row["share_late_of_achieved"],
        "median_rounds_to_achievement": row["median_rounds_to_achievement"],
        "reviews": int(h[["council", "review_key"]].drop_duplicates().shape[0]) if len(h) else 0,
        "councils": int(h["council"].nunique()) if len(h) else 0,
    }


def _trend(data: str | Path, rules: Rules, kind: str, until: str | None) -> pd.DataFrame:
    """One row per council year: that year's report headline (same period rule)."""
    everything = history(data, rules)
    if everything.empty:
        return pd.DataFrame()
    years = sorted({y for y in everything["last_report_date"].map(lambda d: council_year(d, kind)) if y}
                   | {y for y in everything["first_report_date"].map(lambda d: council_year(d, kind)) if y})
    rows = []
    for y in years:
        if until is not None and y > until:
            break
        h = _period(data, rules, y, kind)
        if len(h):
            rows.append({"year": y, **_headline(h)})
    return pd.DataFrame(rows)


def _categories(h: pd.DataFrame) -> pd.DataFrame:
    """Counts of each latest category per committee (rows) and category (columns)."""
    if h.empty:
        return pd.DataFrame()
    label = (h["latest_category"].astype("Int64").astype(str) + " – " + h["latest_label"].fillna("?")).where(
        h["latest_category"].notna(), "Uncategorised")
    t = pd.crosstab(h["committee"].fillna("(unknown)"), label)
    code = lambda c: int(s) if (s := str(c).split(" – ")[0]).isdigit() else 999  # noqa: E731
    return t[sorted(t.columns, key=lambda c: (code(c), str(c)))]


def _open(h: pd.DataFrame) -> pd.DataFrame:
    if h.empty:
        return pd.DataFrame()
    o = h[~h["latest_outcome"].isin(ACHIEVED)].copy()
    o = o.sort_values(["anticipated_date", "council", "review_title", "rec_number"], na_position="last")
    cols = {"council": "Council", "review_title": "Review", "rec_id": "Rec", "recommendation": "Recommendation",
            "responsible_lead": "Responsible", "latest_label": "Latest category", "last_report_date": "Assessed",
            "target_date": "Target", "anticipated_date": "Anticipated"}
    return o[list(cols)].rename(columns=cols).reset_index(drop=True)


def build_report(data: str | Path, rules: Rules, year: str | None = None, kind: str = "municipal") -> AnnualReport:
    """The report for council `year` (like `2016/17`; None = all years) over the datasets in `data`."""
    h = _period(data, rules, year, kind)
    if year is not None:
        first, _ = year_bounds(year, kind)
        year = council_year(first, kind)  # canonical spelling, e.g. 2016-2017 -> 2016/17
    empty = pd.DataFrame()
    report = AnnualReport(
        period=year or "all years", kind=kind, generated=dt.date.today(),
        headline=_headline(h),
        by_committee=stats(h, "committee") if len(h) else empty,
        by_portfolio=stats(h, "portfolio") if len(h) else empty,
        trend=_trend(data, rules, kind, year), categories=_categories(h), open_recs=_open(h),
    )
    report.charts.update(draw_charts(report))
    return report


def _svg(fig: object) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")  # type: ignore[attr-defined]
    text = buf.getvalue()
    return text[text.index("<svg"):]  # drop the XML prolog and doctype: it is inlined in HTML


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
            for col, colour, name in (("achieved", OUTCOME_COLOURS["achieved"], "Achieved"),
                                      ("achieved_late", "#5aae61", "Achieved late"),
                                      ("not_achieved", OUTCOME_COLOURS["not_achieved"], "Not achieved"),
                                      ("in_progress", OUTCOME_COLOURS["in_progress"], "In progress"),
                                      ("uncategorised", OUTCOME_COLOURS[None], "Uncategorised")):
                ax.plot(x, t[col], marker="o", color=colour, label=name)
            ax.set_xticks(list(x), list(t["year"]))
            ax.set_ylabel("Recommendations")
            ax.set_xlabel(f"{report.kind.capitalize()} year of assessment")
            ax.set_ylim(bottom=0)
            ax.grid(axis="y", alpha=0.3)
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
            ax.set_title("Recommendations assessed per year, by latest outcome")
            charts["trend"] = _svg(fig)
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
            charts["categories"] = _svg(fig)
            plt.close(fig)
    return charts


HEADLINE = (("recommendations", "Recommendations assessed"), ("achieved", "Achieved"),
            ("achieved_late", "Achieved late"), ("share_late_of_achieved", "Share achieved late"),
            ("not_achieved", "Not achieved"), ("in_progress", "In progress"), ("uncategorised", "Uncategorised"),
            ("median_rounds_to_achievement", "Median rounds to achievement"), ("reviews", "Reviews"))


def _fmt(value: object, key: str = "") -> str:
    """A cell or headline value as text: dates ISO, shares as percentages, blanks as '–'."""
    if value is None or (not isinstance(value, (str, list)) and pd.isna(value)):  # type: ignore[call-overload]
        return "–"
    if key.startswith("share"):
        return f"{float(value):.0%}"  # type: ignore[arg-type]
    if isinstance(value, (dt.date, pd.Timestamp)):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _table(df: pd.DataFrame, table_id: str) -> object:
    from markupsafe import Markup, escape

    if df.empty:
        return Markup('<p class="note">None.</p>')
    numeric = {c for c in df.columns if pd.api.types.is_numeric_dtype(df[c])}
    head = "".join(f'<th{" class=num" if c in numeric else ""}>{escape(str(c).replace("_", " "))}</th>' for c in df.columns)
    rows = []
    for rec in df.to_dict("records"):
        total = ' class="total"' if rec.get(df.columns[0]) == "All" else ""
        cells = "".join(f'<td{" class=num" if c in numeric else ""}>{escape(_fmt(rec[c], str(c)))}</td>' for c in df.columns)
        rows.append(f"<tr{total}>{cells}</tr>")
    return Markup(f'<table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>')


def render_html(report: AnnualReport) -> str:
    """The report as one self-contained HTML document (no external files, scripts or fonts)."""
    from importlib.metadata import PackageNotFoundError, version

    import jinja2

    try:
        v = version("scrutiny-tracking")
    except PackageNotFoundError:  # running from a source tree
        v = "dev"
    env = jinja2.Environment(loader=jinja2.PackageLoader("pipeline", "templates"),
                             autoescape=True, undefined=jinja2.StrictUndefined)
    return env.get_template("report.html.j2").render(
        r=report, version=v, headline_names=HEADLINE, fmt=_fmt, table=_table)
