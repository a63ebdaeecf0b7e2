"""Synthetic tracking reports and agenda packs with known ground truth (reportlab, no network).

`write_report(path, rng, layout)` draws one tracking report and returns its truth;
`write_pack(path, rng, n_pages, report_pages)` buries a report among unrelated committee
pages (agenda, minutes, budget tables, prose that mentions recommendations) and returns
the truth plus the pack pages the report occupies.  Layouts:

- `rows`: one small table per recommendation (header row, values, a full-width
  "Evidence of Progress" row), with or without ruling lines;
- `tracker`: one six-column table whose header repeats on every page.

Truth per recommendation: rec_id, category_code, target_date (deadline: last day of the
month for "September 2016"), responsible_lead.
"""

from __future__ import annotations

import calendar
import datetime as dt
import random
from dataclasses import dataclass, field
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen import canvas

WIDTH, HEIGHT = A4
MARGIN = 48
FONT, BOLD, SIZE, LEAD = "Helvetica", "Helvetica-Bold", 9, 11

CATEGORIES = [(1, "Achieved (Fully)"), (2, "Achieved (Late)"), (3, "Not Achieved (Progress Made)"),
              (4, "Not Achieved (Obstacle)"), (5, "Not Achieved (Insufficient Progress)"), (6, "In Progress")]
# Each scheme's categories as its reports print them (rules/schemes), by scheme id.
SCHEMES = {"birmingham": CATEGORIES,
           "stockton": [(1, "Achieved (Fully)"), (2, "On Track"), (3, "Slipped"), (4, "Not Achieved")]}
LEADS = ["Cabinet Member for Transport and Roads", "Cabinet Member for Clean Streets, Recycling and Environment",
         "Cabinet Member for Health and Social Care", "Cabinet Member for Children's Wellbeing",
         "Cabinet Member for Commissioning, Contracting and Improvement", "Leader of the Council"]
PARTNERS = ["the Director of Place", "the Strategic Director for People", "the Head of Highways",
            "the Chief Finance Officer", "West Midlands Police"]
TOPICS = ["fly-tipping", "school road safety", "home care", "the third sector", "bus lanes", "air quality",
          "youth services", "library opening hours", "street lighting", "housing repairs"]
VERBS = ["reviews", "publishes", "reports to this Committee on", "consults residents on", "sets targets for",
         "commissions an independent evaluation of", "agrees a protocol for", "produces a plan for"]
OBJECTS = ["the enforcement approach", "the commissioning framework", "the information given to residents",
           "the use of mobile cameras at hotspot locations", "partnership arrangements with the voluntary sector",
           "the charging policy", "performance data for each district", "the training offered to staff"]
FILLER = ("The Committee noted the report and the comments made by Members. Officers undertook to circulate "
          "further information on the points raised. Members asked about the timetable for the next stage and "
          "the resources allocated to it, and were told that a further update would be brought to a future "
          "meeting. The Chair thanked officers for their attendance and for the detailed answers given.")


@dataclass
class Truth:
    """What a synthetic report holds: one dict per recommendation, and report facts."""

    layout: str
    title: str
    committee: str = ""
    report_date: dt.date | None = None
    n_pages: int = 0
    recommendations: list[dict] = field(default_factory=list)
    report_pages: tuple[int, int] = (0, 0)  # first and last page inside an agenda pack


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _recs(rng: random.Random, n: int, topic: str, categories: list[tuple[int, str]] = CATEGORIES) -> list[dict]:
    recs = []
    for i in range(1, n + 1):
        year, month = rng.choice([2015, 2016, 2017]), rng.randint(1, 12)
        code, label = rng.choice(categories)
        lead = rng.choice(LEADS)
        partner = rng.choice(PARTNERS) if rng.random() < 0.4 else None
        relation = rng.choice(["in consultation with", "supported by", "in partnership with"])
        sentences = [f"That the Cabinet Member {rng.choice(VERBS)} {rng.choice(OBJECTS)} for {topic}"
                     for _ in range(rng.randint(1, 3))]
        evidence = " ".join(f"In {calendar.month_name[rng.randint(1, 12)]} officers {rng.choice(VERBS)} "
                            f"{rng.choice(OBJECTS)}; {rng.randint(2, 90)} sites were visited."
                            for _ in range(rng.randint(2, 8)))
        recs.append({
            "rec_id": f"R{i:02d}", "category_code": code, "category_label": label,
            "target_date": _month_end(year, month), "target_text": f"{calendar.month_name[month]} {year}",
            "responsible_lead": lead, "responsibility": lead + (f" {relation} {partner}" if partner else ""),
            "recommendation": "; and ".join(sentences) + ".", "evidence": evidence,
        })
    return recs


class _Pages:
    """A reportlab canvas with a cursor and a page counter."""

    def __init__(self, c: canvas.Canvas):
        self.c, self.y, self.count = c, HEIGHT - 60, 0

    def new(self) -> None:
        self.count += 1
        self.c.setFont(FONT, 7)
        self.c.drawString(MARGIN, 28, f"Page {self.count}")
        self.c.showPage()
        self.y = HEIGHT - 60

    def text(self, s: str, font: str = FONT, size: float = SIZE, x: float = MARGIN, width: float = WIDTH - 2 * MARGIN) -> None:
        for line in simpleSplit(s, font, size, width):
            if self.y < 60:
                self.new()
            self.c.setFont(font, size)
            self.c.drawString(x, self.y, line)
            self.y -= size * 1.25
        self.y -= 4


def _cover(p: _Pages, title: str, lead: str, committee: str, date: dt.date,
           categories: list[tuple[int, str]] = CATEGORIES) -> None:
    for label, value in (("Report of:", lead), ("To:", committee), ("Date:", date.strftime("%-d %B %Y"))):
        p.c.setFont(BOLD, 10)
        p.c.drawString(MARGIN, p.y, label)
        p.c.setFont(FONT, 10)
        p.c.drawString(MARGIN + 70, p.y, value)
        p.y -= 16
    p.y -= 10
    p.text(f"Progress Report on Implementation: {title}", BOLD, 12)
    p.text("Review Information", BOLD, 10)
    p.text(f"Date approved at City Council: {(date - dt.timedelta(days=400)).strftime('%-d %B %Y')}")
    p.text("Member who led the original review: Councillor Jane Smith")
    p.text("Lead Officer for the review: Sam Jones")
    p.text("1. In approving this Review the City Council asked me to report on progress towards these "
           "recommendations to this Overview and Scrutiny Committee.")
    p.text("Contact Officer: Sam Jones, e-mail: sam.jones@birmingham.gov.uk")
    p.new()
    p.text("Appendix 1: The Tracking Process", BOLD, 12)
    p.c.setFont(BOLD, SIZE)
    p.c.drawString(MARGIN, p.y, "Category")
    p.c.drawString(MARGIN + 200, p.y, "Criteria")
    p.y -= 14
    for code, label in categories:
        p.c.setFont(FONT, SIZE)
        p.c.drawString(MARGIN, p.y, f"{code}: {label}")
        p.c.drawString(MARGIN + 200, p.y, "The evidence provided shows this outcome.")
        p.y -= 14
    p.new()


def _cells(p: _Pages, xs: list[float], widths: list[float], values: list[str], fonts: list[str]) -> int:
    """Draw one table row of wrapped cells at the cursor; return its height in lines."""
    wrapped = [simpleSplit(v, f, SIZE, w - 6) for v, w, f in zip(values, widths, fonts)]
    depth = max(len(w) for w in wrapped)
    for x, lines, f in zip(xs, wrapped, fonts):
        p.c.setFont(f, SIZE)
        for k, t in enumerate(lines):
            p.c.drawString(x + 2, p.y - LEAD * k, t)
    return depth


def _rows_layout(p: _Pages, recs: list[dict], ruled: bool) -> None:
    xs = [MARGIN, MARGIN + 40, MARGIN + 250, MARGIN + 360, MARGIN + 430]
    widths = [40, 210, 110, 70, WIDTH - MARGIN - xs[-1]]
    heads = ["No.", "Recommendation", "Responsibility", "Target Date", "Assessment"]
    p.text("Appendix 2: Progress with Recommendations", BOLD, 12)
    for r in recs:
        body = [r["rec_id"], r["recommendation"], r["responsibility"], r["target_text"],
                f"{r['category_code']} - {r['category_label']}"]
        need = LEAD * (max(len(simpleSplit(v, FONT, SIZE, w - 6)) for v, w in zip(body, widths)) + 4)
        if p.y - need < 80:
            p.new()
        top = p.y + LEAD
        _cells(p, xs, widths, heads, [BOLD] * 5)
        p.y -= LEAD + 4
        depth = _cells(p, xs, widths, body, [BOLD, FONT, FONT, FONT, FONT])
        p.y -= LEAD * depth + 4
        if ruled:
            p.c.setLineWidth(0.5)
            for x in [*xs, WIDTH - MARGIN]:
                p.c.line(x, top, x, p.y + LEAD)
            p.c.line(MARGIN, top, WIDTH - MARGIN, top)
            p.c.line(MARGIN, p.y + LEAD, WIDTH - MARGIN, p.y + LEAD)
        p.text("Evidence of Progress", BOLD)
        p.text(r["evidence"])
        p.y -= 12


def _landscape_table(p: _Pages, xs: list[float], widths: list[float], heads: list[str], rows: list[list[str]]) -> None:
    """One table, a row per recommendation (label in bold), its header row repeated on every page."""
    def header() -> None:
        _cells(p, xs, widths, heads, [BOLD] * len(heads))
        p.y -= LEAD * max(len(simpleSplit(h, BOLD, SIZE, w - 6)) for h, w in zip(heads, widths)) + 6

    header()
    for body in rows:
        need = LEAD * (max(len(simpleSplit(v, FONT, SIZE, w - 6)) for v, w in zip(body, widths)) + 1)
        if p.y - need < 60:
            p.new()
            header()
        depth = _cells(p, xs, widths, body, [BOLD] + [FONT] * (len(body) - 1))
        p.y -= LEAD * depth + 8


def _tracker_layout(p: _Pages, recs: list[dict]) -> None:
    xs = [MARGIN, MARGIN + 32, MARGIN + 170, MARGIN + 250, MARGIN + 310, MARGIN + 370]
    widths = [32, 138, 80, 60, 60, WIDTH - MARGIN - xs[-1]]
    heads = ["No.", "Recommendation", "Responsibility", "Target Date", "Assessment", "Evidence of Progress"]
    _landscape_table(p, xs, widths, heads, [[r["rec_id"], r["recommendation"], r["responsibility"], r["target_text"],
                                             f"{r['category_label']} {r['category_code']}", r["evidence"]] for r in recs])


def draw_report(p: _Pages, rng: random.Random, layout: str, n_recs: int | None = None, *, topic: str | None = None,
                scheme: str = "birmingham", cover: bool = True) -> Truth:
    """Draw a report (cover, criteria appendix, recommendations) onto `p`; return its truth.
    `cover` False draws the table alone (no cover, no appendix: its truth has no title)."""
    topic = topic or rng.choice(TOPICS)
    title = f"Tackling {topic.title()}"
    recs = _recs(rng, n_recs or rng.randint(3, 9), topic, SCHEMES[scheme])
    committee = rng.choice(["Sustainability and Transport", "Economy, Skills and Transport", "Health and Social Care"]) \
        + " Overview and Scrutiny Committee"
    date = dt.date(2018, rng.randint(1, 12), rng.randint(1, 28))
    if cover:
        _cover(p, title, rng.choice(LEADS), committee, date, SCHEMES[scheme])
    if layout == "tracker":
        _tracker_layout(p, recs)
    else:
        _rows_layout(p, recs, ruled=layout == "rows-ruled")
    p.new()
    if not cover:
        return Truth(layout, "", recommendations=recs)
    return Truth(layout, title, committee, date, recommendations=recs)


def write_report(path: Path, rng: random.Random, layout: str, n_recs: int | None = None) -> Truth:
    """Write one synthetic tracking report to `path` in `layout` (rows, rows-ruled, tracker)."""
    p = _Pages(canvas.Canvas(str(path), pagesize=A4, invariant=True))
    truth = draw_report(p, rng, layout, n_recs)
    p.c.save()
    truth.n_pages = p.count
    return truth


def _unrelated_page(p: _Pages, rng: random.Random, kind: int) -> None:
    if kind == 0:
        p.text(f"Agenda Item {rng.randint(1, 20)}: Minutes of the previous meeting", BOLD, 12)
        for _ in range(rng.randint(4, 7)):
            p.text(FILLER)
        p.text("RESOLVED: That the recommendation in the report be agreed and the minutes be confirmed.")
    elif kind == 1:
        p.text("Revenue Budget Monitoring: Month 6", BOLD, 12)
        xs = [MARGIN, MARGIN + 220, MARGIN + 320, MARGIN + 420]
        for i in range(rng.randint(20, 40)):
            row = ["Service", "Budget", "Forecast", "Variance"] if i == 0 else \
                  [f"{rng.choice(TOPICS).title()}", f"£{rng.randint(100, 9999)}k", f"£{rng.randint(100, 9999)}k", f"{rng.randint(-99, 99)}%"]
            p.c.setFont(BOLD if i == 0 else FONT, SIZE)
            for x, v in zip(xs, row):
                p.c.drawString(x, p.y, v)
            p.y -= LEAD
    else:
        p.text(f"Work Programme {rng.randint(2016, 2019)}", BOLD, 12)
        for _ in range(rng.randint(10, 20)):
            p.text(f"{rng.randint(1, 28)} {calendar.month_name[rng.randint(1, 12)]}: "
                   f"{rng.choice(['Inquiry', 'Update', 'Call-in', 'Briefing'])} on {rng.choice(TOPICS)} "
                   f"(lead: {rng.choice(LEADS)})")
    p.new()


def write_pack(path: Path, rng: random.Random, n_pages: int = 200, report_pages: int = 10,
               layout: str = "tracker") -> Truth:
    """Write an agenda pack of about `n_pages` with one tracking report of about
    `report_pages` pages buried at a random place; the truth names the report's pages."""
    p = _Pages(canvas.Canvas(str(path), pagesize=A4, invariant=True))
    before = rng.randint(n_pages // 4, n_pages // 2)
    for _ in range(before):
        _unrelated_page(p, rng, rng.randrange(3))
    first = p.count + 1
    if layout == "none":  # a pack without a tracking report
        truth = Truth("none", "")
        truth.report_pages = (0, 0)
        while p.count < n_pages:
            _unrelated_page(p, rng, rng.randrange(3))
        p.c.save()
        truth.n_pages = p.count
        return truth
    # Recommendations per page of table, measured on these layouts; two pages of cover and criteria.
    per_page = {"tracker": 3.0}.get(layout, 4.0)
    truth = draw_report(p, rng, layout, max(2, round((report_pages - 2) * per_page)))
    truth.report_pages = (first, p.count)
    while p.count < n_pages:
        _unrelated_page(p, rng, rng.randrange(3))
    p.c.save()
    truth.n_pages = p.count
    return truth


def scan(pdf: Path, out: Path, dpi: int = 200, angle: float = 0.8, specks: int = 400, seed: int = 1,
         paper: int = 255, blur: float = 0.0, alternate: bool = False) -> Path:
    """`pdf` as a scanner would give it back: every page an image only (no text layer) at
    `dpi`, turned by `angle` degrees (with `alternate`, the other way on every second page,
    as sheets go through a feeder), speckled, on `paper` grey (255 white) and blurred by `blur` pixels, as printed,
    signed and scanned reports are."""
    import random

    import pypdfium2 as pdfium
    from PIL import Image, ImageDraw, ImageFilter

    rng = random.Random(seed)
    doc = pdfium.PdfDocument(str(pdf))
    pages = []
    for k, page in enumerate(doc):
        img = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
        turn = -angle * 0.8 if alternate and k % 2 else angle
        img = img.rotate(turn, resample=Image.Resampling.BICUBIC, fillcolor=255)
        if paper < 255:  # ink stays dark, the paper turns grey
            img = img.point(lambda v: v * paper // 255)
        if blur > 0:
            img = img.filter(ImageFilter.GaussianBlur(blur))
        draw = ImageDraw.Draw(img)
        for _ in range(specks):
            x, y = rng.randrange(img.width), rng.randrange(img.height)
            draw.point([(x, y), (x + 1, y)], fill=rng.randrange(0, 120))
        pages.append(img)
    doc.close()
    pages[0].save(out, "PDF", resolution=dpi, save_all=True, append_images=pages[1:])
    return out


def write_multi(path: Path, rng: random.Random, parts: list[dict], between: int = 2) -> list[Truth]:
    """Write an agenda pack holding several reports, each drawn by `draw_report` with the
    keyword arguments of its `parts` entry (layout, scheme, cover, n_recs, topic), with
    `between` unrelated pages before, between and after them; one truth per report."""
    p = _Pages(canvas.Canvas(str(path), pagesize=A4, invariant=True))
    topics = rng.sample(TOPICS, len(parts))  # each report tracks a review of its own
    truths = []
    for k, part in enumerate(parts):
        for _ in range(between):
            _unrelated_page(p, rng, rng.randrange(3))
        first = p.count + 1
        truth = draw_report(p, rng, **{"layout": "rows", "topic": topics[k], **part})
        truth.report_pages = (first, p.count)
        truths.append(truth)
    for _ in range(between):
        _unrelated_page(p, rng, rng.randrange(3))
    p.c.save()
    for t in truths:
        t.n_pages = p.count
    return truths


def write_xtracker(path: Path, rng: random.Random, n_reviews: int = 3, review_header: str = "Scrutiny Review",
                   key_after: bool = True) -> list[Truth]:
    """Write a quarterly recommendation tracker: a cover naming the committee (no single
    review), one table over the recommendations of `n_reviews` reviews with a column
    (`review_header`) naming each row's review, and the status key under the table."""
    p = _Pages(canvas.Canvas(str(path), pagesize=A4, invariant=True))
    date = dt.date(2018, rng.randint(1, 12), rng.randint(1, 28))
    committee = "Overview and Scrutiny Management Board"
    truths = [Truth("xtracker", f"Tackling {t.title()}", committee, date, recommendations=_recs(rng, rng.randint(2, 4), t))
              for t in rng.sample(TOPICS, n_reviews)]
    for label, value in (("Committee:", committee), ("Date:", date.strftime("%-d %B %Y")), ("Report of:", "Head of Scrutiny")):
        p.c.setFont(BOLD, 10)
        p.c.drawString(MARGIN, p.y, label)
        p.c.setFont(FONT, 10)
        p.c.drawString(MARGIN + 70, p.y, value)
        p.y -= 16
    p.text("Scrutiny Recommendation Tracker - Quarterly Update", BOLD, 12)
    p.text("This report sets out progress with the open recommendations of the scrutiny reviews below.")
    for t in truths:
        p.text(f"- {t.title}")
    p.new()
    xs = [MARGIN, MARGIN + 30, MARGIN + 100, MARGIN + 220, MARGIN + 290, MARGIN + 340, MARGIN + 400]
    widths = [30, 70, 120, 70, 50, 60, WIDTH - MARGIN - xs[-1]]
    heads = ["Ref", review_header, "Recommendation", "Lead Officer", "Due Date", "Status", "Progress Update"]

    _landscape_table(p, xs, widths, heads, [[r["rec_id"], t.title, r["recommendation"], r["responsibility"], r["target_text"],
                                             f"{r['category_code']} - {r['category_label']}", r["evidence"]]
                                            for t in truths for r in t.recommendations])
    if key_after:
        p.y -= 6
        p.text("Key to status", BOLD)
        for code, label in CATEGORIES:
            p.text(f"{code}: {label} - the evidence provided shows this outcome.")
    p.new()
    p.c.save()
    for t in truths:
        t.n_pages = p.count
    return truths


# Ratings a council of its own might define: (label, definition, the outcome it means).
RATINGS = [("Completed on time", "All actions have been completed by the agreed timescale.", "achieved"),
           ("Completed late", "All actions have been completed, but after the agreed timescale.", "achieved_late"),
           ("On schedule", "Actions are progressing and the agreed timescale has not yet passed.", "in_progress"),
           ("Behind schedule", "Actions are late; a revised completion date is given.", "in_progress"),
           ("Not progressed", "No action has been taken and none is planned.", "not_achieved")]
COVER_LABELS = [  # (committee, date, report of, title, lead member, officer) labels councils' templates use
    ("Meeting:", "Date of meeting:", "Report author:", "Review title:", "Lead Member:", "Scrutiny officer:"),
    ("Committee:", "Meeting date:", "Submitted by:", "Scrutiny review:", "Review lead:", "Supporting officer:"),
    ("Report to:", "Date:", "Report of:", "Review:", "Chair of the review:", "Lead Officer:")]


def write_unnamed(path: Path, rng: random.Random, *, council: str, key_before: bool, numbered: bool,
                  key_header: tuple[str, str] | str = ("Status", "Meaning"), ratings: list[tuple[str, str, str]] = RATINGS,
                  labels: tuple[str, ...] = COVER_LABELS[0]) -> Truth:
    """Write a report of a council no rules file names: its name as the cover's heading, its
    own cover `labels`, one tracker table whose assessments name `ratings` (with their key
    numbers when `numbered`), and the key to the ratings before or after the table, under
    `key_header` (two column names, or one heading). Truth: each record's expected code is
    its rating's printed number, or its place in the key."""
    p = _Pages(canvas.Canvas(str(path), pagesize=A4, invariant=True))
    topic = rng.choice(TOPICS)
    title, date = f"Tackling {topic.title()}", dt.date(2019, rng.randint(1, 12), rng.randint(1, 28))
    recs = _recs(rng, rng.randint(3, 7), topic, [(i, r[0]) for i, r in enumerate(ratings, 1)])
    p.text(council, BOLD, 14)
    committee = "Communities Overview and Scrutiny Committee"
    values = (committee, date.strftime("%-d %B %Y"), "Corporate Director, Resources", title, "Councillor Jane Smith",
              "Sam Jones")
    for label, value in zip(labels, values):
        p.c.setFont(BOLD, 10)
        p.c.drawString(MARGIN, p.y, label)
        p.c.setFont(FONT, 10)
        p.c.drawString(MARGIN + 130, p.y, value)
        p.y -= 16
    domain = council.split()[0].lower() + ".gov.uk"
    p.text(f"Contact: Sam Jones, email sam.jones@{domain}")

    def key() -> None:
        p.y -= 10
        if isinstance(key_header, str):
            p.text(key_header, BOLD, 10)
        else:
            _cells(p, [MARGIN, MARGIN + 140], [140, 300], list(key_header), [BOLD, BOLD])
            p.y -= LEAD + 2
        for i, (label, definition, _) in enumerate(ratings, 1):
            depth = _cells(p, [MARGIN, MARGIN + 140], [140, 300], [f"{i}. {label}" if numbered else label, definition],
                           [FONT, FONT])
            p.y -= LEAD * depth + 2
        p.y -= 10

    if key_before:
        key()
    p.new()
    rows = [[r["rec_id"], r["recommendation"], r["responsibility"], r["target_text"],
             f"{r['category_code']}. {r['category_label']}" if numbered else r["category_label"], r["evidence"]]
            for r in recs]
    xs = [MARGIN, MARGIN + 32, MARGIN + 170, MARGIN + 250, MARGIN + 310, MARGIN + 370]
    _landscape_table(p, xs, [32, 138, 80, 60, 60, WIDTH - MARGIN - xs[-1]],
                     ["No.", "Recommendation", "Responsibility", "Target Date", "Rating", "Progress Update"], rows)
    if not key_before:
        if p.y < 200:
            p.new()
        key()
    p.new()
    p.c.save()
    return Truth("unnamed", title, committee, date, n_pages=p.count, recommendations=recs)
