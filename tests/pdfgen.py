"""Draw small tracking reports with reportlab for tests that need a PDF made to order."""

from __future__ import annotations

from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

COLS = (48, 90, 300, 400, 480)


def tracking_pdf(path: Path, cover: list[str], categories: list[str], recs: list[dict], footer: str | None = None,
                 pagesize: tuple[float, float] = A4, font: str = "Helvetica", size: float = 10) -> Path:
    """Write a one-table-per-recommendation report: cover, criteria, then `recs`.

    Each rec is {label, text: [lines], resp: [lines], target: [lines], assess: [lines], evidence: [lines]}.
    """
    c = canvas.Canvas(str(path), pagesize=pagesize)
    width, height = pagesize
    bold = {"Helvetica": "Helvetica-Bold", "Times-Roman": "Times-Bold", "Courier": "Courier-Bold"}[font]
    lead = size * 1.2
    pages = 0

    def finish_page() -> None:
        nonlocal pages
        pages += 1
        if footer:
            c.setFont("Helvetica", 8)
            c.drawString(48, 30, f"{footer}   Page {pages}")
        c.showPage()

    y = height - 60
    for line in cover:
        label = line.split(":")[0] + ":" if ":" in line else ""
        c.setFont(bold, size)
        c.drawString(50, y, label)
        c.setFont(font, size)
        c.drawString(50 + c.stringWidth(label + " ", bold, size), y, line[len(label):].strip())
        y -= 18
    finish_page()
    y = height - 60
    c.setFont("Helvetica-Bold", 12)
    c.drawString(50, y, "Appendix 1: The Tracking Process")
    y -= 24
    c.setFont(bold, size)
    c.drawString(50, y, "Category")
    c.drawString(250, y, "Criteria")
    c.setFont(font, size)
    for cat in categories:
        y -= 14
        c.drawString(50, y, cat)
        c.drawString(250, y, "The evidence provided shows this.")
    finish_page()
    y = height - 60
    c.setFont("Helvetica-Bold", 12)
    c.drawString(50, y, "Appendix 2: Progress with Recommendations")
    y -= 24
    for rec in recs:
        c.setFont(bold, size)
        for x, h in zip(COLS, ("No.", "Recommendation", "Responsibility", "Target Date", "Assessment")):
            c.drawString(x, y, h)
        y -= 16
        c.drawString(COLS[0], y, rec["label"])
        c.setFont(font, size)
        cells = [rec["text"], rec["resp"], rec["target"], rec["assess"]]
        depth = max(len(v) for v in cells)
        for x, lines in zip(COLS[1:], cells):
            for k, t in enumerate(lines):
                c.drawString(x, y - lead * k, t)
        y -= lead * depth + 8
        c.setFont(bold, size)
        c.drawString(COLS[0], y, "Evidence of Progress")
        c.setFont(font, size)
        for t in rec["evidence"]:
            y -= lead
            c.drawString(COLS[0], y, t)
        y -= 24
    finish_page()
    c.save()
    return path


# -- Word-like tables ---------------------------------------------------------------------
# Tables set the way Word and LibreOffice set them: text wrapped in each cell, a word wider
# than its cell broken mid-word ("Responsibilit|y"), rows allowed to break across pages,
# an optional repeated header row, optional ruling lines.

PAD = 2.8  # cell padding, points (LibreOffice's default 0.1 cm; Word's is 5.4)


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Wrap `text` into lines no wider than `width`, breaking over-long words mid-word."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines: list[str] = []
    for para in text.split("\n"):
        cur = ""
        for word in para.split():
            while stringWidth(word, font, size) > width:  # Word breaks a word that cannot fit
                k = max(1, max(i for i in range(1, len(word) + 1) if stringWidth(word[:i], font, size) <= width))
                if cur:
                    lines.append(cur)
                    cur = ""
                lines.append(word[:k])
                word = word[k:]
            trial = f"{cur} {word}".strip()
            if cur and stringWidth(trial, font, size) > width:
                lines.append(cur)
                cur = word
            else:
                cur = trial
        lines.append(cur)
    return lines


class Flow:
    """A page cursor that draws rows of cells and breaks pages like a word processor."""

    def __init__(self, path: Path, font: str = "Helvetica", size: float = 10, pagesize: tuple[float, float] = A4,
                 ruled: bool = True, x0: float = 50):
        self.c = canvas.Canvas(str(path), pagesize=pagesize)
        self.font, self.size, self.lead = font, size, size * 1.2
        self.bold = {"Helvetica": "Helvetica-Bold", "Times-Roman": "Times-Bold", "Courier": "Courier-Bold"}[font]
        self.width, self.height = pagesize
        self.ruled, self.x0 = ruled, x0
        self.top, self.bottom = self.height - 50, 60
        self.y = self.top
        self.page = 1
        self.repeat: tuple[list[float], list[str]] | None = None

    def text(self, line: str, bold: bool = False, size: float | None = None, gap: float = 6) -> None:
        """A paragraph line outside tables."""
        size = size or self.size
        if self.y - size * 1.2 < self.bottom:
            self.new_page()
        self.c.setFont(self.bold if bold else self.font, size)
        self.y -= size * 1.2
        self.c.drawString(self.x0, self.y, line)
        self.y -= gap

    def new_page(self) -> None:
        self.c.setFont("Helvetica", 8)
        self.c.drawString(self.x0, 30, f"Progress Report   Page {self.page}")
        self.c.showPage()
        self.page += 1
        self.y = self.top
        if self.repeat is not None:
            self.row(*self.repeat, bold=True, repeat=False)

    def row(self, widths: list[float], cells: list[str], bold: bool | list[bool] = False, repeat: bool = True) -> None:
        """Draw one table row; its lines go on over a page break (cells wrapped in `widths`)."""
        bolds = bold if isinstance(bold, list) else [bold] * len(cells)
        wrapped = [wrap(t, self.bold if b else self.font, self.size, w - 2 * PAD) if t else []
                   for t, w, b in zip(cells, widths, bolds)]
        depth = max((len(x) for x in wrapped), default=0) or 1
        k = 0
        while k < depth:
            room = int((self.y - PAD - self.bottom) // self.lead)
            if room <= 0:
                self.new_page()
                continue
            take = min(room, depth - k)
            h = take * self.lead + 2 * PAD
            x = self.x0
            for lines, w, b in zip(wrapped, widths, bolds):
                self.c.setFont(self.bold if b else self.font, self.size)
                for j, t in enumerate(lines[k:k + take]):
                    self.c.drawString(x + PAD, self.y - PAD - self.size - j * self.lead, t)
                if self.ruled:
                    self.c.rect(x, self.y - h, w, h)
                x += w
            self.y -= h
            k += take
            if k < depth:
                self.new_page()

    def space(self, points: float) -> None:
        self.y -= points

    def start(self, cover: list[str] | None, space_before: float) -> None:
        """A cover page (default `cover_lines()`), then the appendix heading `space_before` above the table."""
        for line in cover if cover is not None else cover_lines():
            self.text(line)
        self.new_page()
        self.text("Appendix 2: Progress with Recommendations", bold=True, size=self.size + 2)
        self.space(space_before)

    def save(self) -> None:
        self.new_page()
        self.c.save()


def cover_lines(rec_scheme: str = "birmingham") -> list[str]:
    domain = "birmingham.gov.uk" if rec_scheme == "birmingham" else "example.gov.uk"
    return ["Report of: Cabinet Member for Transport", "To: Economy Overview and Scrutiny Committee",
            "Date: 12th March 2019", "Progress Report on Implementation: Parking Enforcement",
            f"E-Mail: officer@{domain}"]


def table_report(path: Path, headers: list[str], widths: list[float], recs: list[dict], *, fields: list[str],
                 evidence_row: str | None = None, font: str = "Helvetica", size: float = 10, ruled: bool = True,
                 repeat_header: bool = True, space_before: float = 0, cover: list[str] | None = None,
                 pagesize: tuple[float, float] = A4) -> Path:
    """A report whose recommendations are rows of one table (`fields` name each column:
    number, recommendation, responsibility, target, assessment, evidence, or "" for an
    extra column left empty). With `evidence_row` (its heading), the evidence is a
    full-width row under each record's row, which repeats the header (Birmingham style).
    `space_before` pushes the first header down the page (a header at the page foot)."""
    f = Flow(path, font=font, size=size, ruled=ruled, pagesize=pagesize)
    f.start(cover, space_before)
    if evidence_row is None:
        f.row(widths, headers, bold=True)
        f.repeat = (widths, headers) if repeat_header else None
    for rec in recs:
        if evidence_row is not None:
            f.space(12)
            f.row(widths, headers, bold=True)
        f.row(widths, [rec.get(k, "") if k else "" for k in fields], bold=[k == "number" for k in fields])
        if evidence_row is not None:
            f.row([sum(widths)], [evidence_row], bold=True)
            f.row([sum(widths)], [rec["evidence"]])
    f.save()
    return path


def keyvalue_report(path: Path, labels: dict[str, str], widths: tuple[float, float], recs: list[dict], *,
                    font: str = "Helvetica", size: float = 10, cover: list[str] | None = None,
                    space_before: float = 0, title_row: bool = False, ruled: bool = True) -> Path:
    """A report with one two-column key/value table per recommendation; `labels` maps each
    field to its printed label, the recommendation's label printed as "<label> <number>",
    or (`title_row`) as a full-width row "<label> <number>" above a plain "<label>" row."""
    f = Flow(path, font=font, size=size, ruled=ruled)
    f.start(cover, space_before)
    for rec in recs:
        f.space(14)
        if title_row:
            f.row([sum(widths)], [f"{labels['recommendation']} {rec['number']}"], bold=True)
            f.row(list(widths), [labels["recommendation"], rec["recommendation"]], bold=[True, False])
        else:
            f.row(list(widths), [f"{labels['recommendation']} {rec['number']}", rec["recommendation"]], bold=[True, False])
        for k in ("responsibility", "target", "assessment", "evidence"):
            f.row(list(widths), [labels[k], rec[k]], bold=[True, False])
    f.save()
    return path


RECS = [
    {"number": "R01", "recommendation": "That the Council reviews the enforcement of parking restrictions outside schools "
     "and reports the results to this Committee.", "responsibility": "Cabinet Member for Transport in consultation "
     "with the Head of Highways", "target": "March 2018", "assessment": "2 – Achieved (Late)",
     "evidence": "Enforcement officers visited every school twice during the spring term. The results were reported "
                 "to the Committee in June 2018."},
    {"number": "R02", "recommendation": "That camera enforcement vehicles are deployed at the ten schools with the most "
     "complaints.", "responsibility": "Cabinet Member for Transport", "target": "Q2 2018/19",
     "assessment": "3 – Not Achieved (Progress Made)",
     "evidence": "Two vehicles have been procured and are being tested. Anticipated completion date: December 2019."},
    {"number": "R03", "recommendation": "That the parking policy is published on the Council's website.",
     "responsibility": "Cabinet Member for Transport supported by the Communications Team",
     "target": "Summer 2018", "assessment": "1 – Achieved (Fully)", "evidence": "Published in July 2018."},
]
# What the fields of RECS normalise to (docs/normalisation.md).
RECS_TRUTH = [
    {"rec_id": "R01", "category_code": 2, "target_dates": ["2018-03-31"], "lead": "Cabinet Member for Transport",
     "partners": ["Head of Highways"], "anticipated": None},
    {"rec_id": "R02", "category_code": 3, "target_dates": ["2018-09-30"], "lead": "Cabinet Member for Transport",
     "partners": [], "anticipated": "2019-12-31"},
    {"rec_id": "R03", "category_code": 1, "target_dates": ["2018-08-31"], "lead": "Cabinet Member for Transport",
     "partners": ["Communications Team"], "anticipated": None},
]


WHO = ["Officers", "The project board", "Ward councillors", "The contractor", "Partners", "The working group", "Residents"]
DID = ["met to review", "published", "consulted on", "agreed", "reported on", "costed", "tested", "revised", "audited"]
WHAT = ["the delivery plan", "the enforcement data", "the school list", "the camera sites", "the budget", "the guidance",
        "the survey results", "the timetable", "the complaints log", "the signage"]


def long_recs(n: int, sentences: int = 12) -> list[dict]:
    """RECS with evidence long enough that records run over page breaks (varied sentences,
    as real updates are: identical lines at one height on many pages are running headers)."""
    out = []
    for k in range(n):
        rec = dict(RECS[k % len(RECS)])
        rec["number"] = f"R{k + 1:02d}"
        rec["evidence"] = " ".join(f"{WHO[(j + k) % 7]} {DID[(j * 2 + k) % 9]} {WHAT[(j * 3 + k) % 10]} in week {j + 1}."
                                   for j in range(sentences)) + " " + RECS[k % len(RECS)]["evidence"]
        out.append(rec)
    return out


def squash(text: str) -> str:
    return " ".join(text.split())


def check(recs, truth: list[dict], source: list[dict]) -> None:
    """Assert extracted records equal the truth (RECS_TRUTH-like) of the records drawn from `source`."""
    assert [r.rec_id for r in recs] == [t["rec_id"] for t in truth]
    for r, t, s in zip(recs, truth, source):
        assert r.category_code == t["category_code"], r.rec_id
        assert [d.isoformat() for d in r.target_dates] == t["target_dates"], r.rec_id
        assert r.responsible_lead == t["lead"] and list(r.responsible_partners) == t["partners"], r.rec_id
        assert (r.anticipated_date.isoformat() if r.anticipated_date else None) == t["anticipated"], r.rec_id
        assert squash(r.recommendation) == squash(s["recommendation"]), r.rec_id
        assert squash(r.evidence) == squash(s["evidence"]), r.rec_id
        assert r.warnings == (), (r.rec_id, r.warnings)


# -- random reports ------------------------------------------------------------------------
# Wordings councils print for each column (or key/value label), for random_report.
WORDINGS = {
    "number": ["No.", "Ref.", "Rec.", "No", "Ref"],
    "recommendation": ["Recommendation", "Recommendations", "Scrutiny Recommendation"],
    "responsibility": ["Responsibility", "Lead Responsibility", "Lead Officer", "Responsible Officer", "Lead Member"],
    "target": ["Target Date", "Target Date For Completion", "Timescale", "Due Date", "Target date for completion"],
    "assessment": ["Cabinet Member's Assessment", "Cabinet Member's Assessment of Progress", "Executive Assessment",
                   "Assessment of progress Categories 1 - 6", "Assessment"],
    "evidence": ["Evidence of Progress (and Anticipated Completion Date if 'Not Achieved')", "Evidence of Progress / Update",
                 "Progress to date", "Progress Update", "Evidence of Progress"],
}
FONTS = [("Helvetica", (8, 12)), ("Times-Roman", (9, 12)), ("Courier", (7, 9))]


def random_report(path: Path, seed: int) -> tuple[list[dict], list[dict], str]:
    """Draw a report in a random layout (tracker, rows with an evidence row, key/value),
    font, size, wording, column widths, ruling and page position; return (records drawn,
    their truth, a description). The same seed always draws the same report."""
    import random

    rng = random.Random(seed)
    font, (lo, hi) = rng.choice(FONTS)
    size = rng.randint(lo, hi)
    layout = rng.choice(["tracker", "rows", "keyvalue"])
    recs = long_recs(rng.randint(2, 6), sentences=rng.randint(2, 25))
    for r in recs:
        if rng.random() < 0.3:  # a label alone, or a bare code
            r["assessment"] = r["assessment"].split("– ")[1] if rng.random() < 0.5 else r["assessment"][0]
    truth = [dict(RECS_TRUTH[k % 3], rec_id=f"R{k + 1:02d}") for k in range(len(recs))]
    ruled = rng.random() < 0.7
    desc = f"seed {seed}: {layout}, {font} {size} pt, {'ruled' if ruled else 'unruled'}"
    if layout == "keyvalue":
        labels = {"recommendation": rng.choice(["Recommendation", "Rec."])}
        labels.update({k: rng.choice(WORDINGS[k]) for k in ("responsibility", "target", "assessment", "evidence")})
        lw = rng.randint(60, 150)
        keyvalue_report(path, labels, (lw, 480 - lw), recs, font=font, size=size, space_before=rng.randint(0, 600),
                        title_row=rng.random() < 0.3, ruled=ruled)
        return recs, truth, f"{desc}, labels {list(labels.values())}, label column {lw} pt"
    fields = ["number", "recommendation", "responsibility", "target", "assessment"]
    heads = [rng.choice(WORDINGS[f]) for f in fields]
    widths = [rng.randint(30, 45), rng.randint(120, 200), rng.randint(55, 100), rng.randint(45, 80), rng.randint(45, 80)]
    if layout == "tracker":
        heads.append(rng.choice(WORDINGS["evidence"]))
        fields.append("evidence")
        widths.append(rng.randint(100, 180))
        if rng.random() < 0.3:
            heads.append("Next steps")
            fields.append("")
            widths.append(50)
        table_report(path, heads, widths, recs, fields=fields, font=font, size=size, ruled=ruled,
                     repeat_header=rng.random() < 0.6, space_before=rng.randint(0, 600))
    else:
        table_report(path, heads, widths, recs, fields=fields, font=font, size=size, ruled=ruled,
                     evidence_row=rng.choice(WORDINGS["evidence"]), space_before=rng.randint(0, 600))
    return recs, truth, f"{desc}, headers {heads}, widths {widths}"


def inflating_pdf(path: Path, megabytes: int) -> Path:
    """A one-page PDF whose content stream is a few hundred KB compressed and `megabytes`
    MB inflated (spaces: valid, harmless content), written without holding it in memory."""
    import zlib

    comp = zlib.compressobj(9)
    chunk = b" " * (1 << 20)
    body = b"".join(comp.compress(chunk) for _ in range(megabytes)) + comp.flush()
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(body) + body + b"\nendstream"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for k, obj in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % k + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    path.write_bytes(bytes(out))
    return path



def write_objects(path: Path, objs: list[bytes]) -> Path:
    """Write a PDF of numbered objects `objs` (1 the catalog), with its xref table and trailer."""
    out = b"%PDF-1.4\n"
    offsets = []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    path.write_bytes(out)
    return path


def control_char_pdf(path: Path, text: bytes = b"Hello ABC world") -> Path:
    """A one-page PDF whose font maps "A", "B", "C" to ESC, BEL and NUL (a font's /Differences,
    as hostile PDFs do): pdfplumber reads them as control characters."""
    content = b"BT /F1 12 Tf 72 700 Td (" + text + b") Tj ET"
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
            b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding << /Type /Encoding /BaseEncoding /WinAnsiEncoding "
            b"/Differences [65 /uni001B 66 /uni0007 67 /uni0000] >> >>"]
    return write_objects(path, objs)


def nested_forms_pdf(path: Path, fanout: int = 4, depth: int = 15) -> Path:
    """A tiny PDF whose page draws a Form XObject that draws the next one `fanout` times, `depth`
    levels deep: fanout^depth drawings (4^15, about a billion) from a few kilobytes."""
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /XObject << /F0 5 0 R >> >> /Contents 4 0 R >>"]
    page = b"/F0 Do"
    objs.append(b"<< /Length %d >>\nstream\n" % len(page) + page + b"\nendstream")
    for level in range(depth):
        body = b" ".join([b"/F Do"] * fanout) if level + 1 < depth else b"0 0 1 1 re f"
        res = b"/Resources << /XObject << /F %d 0 R >> >>" % (6 + level) if level + 1 < depth else b""
        objs.append(b"<< /Type /XObject /Subtype /Form /BBox [0 0 10 10] " + res + b" /Length %d >>\nstream\n" % len(body)
                    + body + b"\nendstream")
    return write_objects(path, objs)
