"""Draw small tracking reports with reportlab for tests that need a PDF made to order."""

from __future__ import annotations

from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

COLS = (48, 90, 300, 400, 480)


def tracking_pdf(path: Path, cover: list[str], categories: list[str], recs: list[dict], footer: str | None = None) -> Path:
    """Write a one-table-per-recommendation report: cover, criteria, then `recs`.

    Each rec is {label, text: [lines], resp: [lines], target: [lines], assess: [lines], evidence: [lines]}.
    """
    c = canvas.Canvas(str(path), pagesize=A4)
    width, height = A4
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
        bold = line.split(":")[0] + ":" if ":" in line else ""
        c.setFont("Helvetica-Bold", 10)
        c.drawString(50, y, bold)
        c.setFont("Helvetica", 10)
        c.drawString(50 + c.stringWidth(bold + " ", "Helvetica-Bold", 10), y, line[len(bold):].strip())
        y -= 18
    finish_page()
    y = height - 60
    c.setFont("Helvetica-Bold", 12)
    c.drawString(50, y, "Appendix 1: The Tracking Process")
    y -= 24
    c.setFont("Helvetica-Bold", 10)
    c.drawString(50, y, "Category")
    c.drawString(250, y, "Criteria")
    c.setFont("Helvetica", 10)
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
        c.setFont("Helvetica-Bold", 10)
        for x, h in zip(COLS, ("No.", "Recommendation", "Responsibility", "Target Date", "Assessment")):
            c.drawString(x, y, h)
        y -= 16
        c.drawString(COLS[0], y, rec["label"])
        c.setFont("Helvetica", 10)
        cells = [rec["text"], rec["resp"], rec["target"], rec["assess"]]
        depth = max(len(v) for v in cells)
        for x, lines in zip(COLS[1:], cells):
            for k, t in enumerate(lines):
                c.drawString(x, y - 12 * k, t)
        y -= 12 * depth + 8
        c.setFont("Helvetica-Bold", 10)
        c.drawString(COLS[0], y, "Evidence of Progress")
        c.setFont("Helvetica", 10)
        for t in rec["evidence"]:
            y -= 12
            c.drawString(COLS[0], y, t)
        y -= 24
    finish_page()
    c.save()
    return path
