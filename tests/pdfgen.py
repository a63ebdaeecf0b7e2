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
