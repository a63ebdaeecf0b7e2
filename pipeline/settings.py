"""Geometry tolerances of the layout stages, named once with their defaults.

Modelled on pdfplumber's `TableSettings`: every number that steers how words become
lines, header rows and cells lives here, documented and validated.  `rules/layout.yaml`
may override any of them under `settings:`.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Settings(BaseModel):
    """Tolerances in PDF points, or in font sizes or word spaces where the description says so."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    word_x_tol: float = Field(default=1.5, ge=0,
                        description="pdfplumber `extract_words` x_tolerance: letters closer than this many points make one word")
    word_y_tol: float = Field(default=2.0, ge=0, description="pdfplumber `extract_words` y_tolerance")
    margin_share: float = Field(default=0.12, gt=0, lt=0.5,
                        description="page furniture (running headers, footers) lies in this share of the page height at top or bottom")
    furniture_band: float = Field(default=6.0, gt=0,
                        description="points: a line repeated at the same height (within this band) on many pages is furniture")
    word_space_default: float = Field(default=0.3, gt=0,
                        description="the usual word space in font sizes, when a page gives too few to measure")
    word_space_max: float = Field(default=0.8, gt=0,
                        description="a gap wider than this many font sizes is not a word space (measuring the word space)")
    body_size_default: float = Field(default=10.0, gt=0,
                        description="font size of body text when a document gives none to measure")
    heading_emphasis: float = Field(default=1.1, ge=1,
                        description="a line this many times the body size (or bold) may be a section heading ending a table")
    running_text_space: float = Field(default=1.2, gt=0,
                        description="key/value layout: label and value this close (in word spaces) are one line of running text")
    cover_line_gap: float = Field(default=0.5, ge=0,
                        description="cover page: a value wraps onto a next line at most this many font sizes below")
    cover_min_score: int = Field(default=3, ge=1,
                        description="a page is a report's cover (and opens a new report of its file) when it holds this many "
                                    "distinct cover fields (rules/cover.yaml; the title counts twice, the e-mail not at all)")
    max_drawn_objects: int = Field(default=200_000, ge=1,
                        description="a page drawing more Form XObjects than this (nested forms expanded) is refused as "
                                    "`too_large` before it is parsed")
    max_page_chars: int = Field(default=100_000, ge=1,
                        description="a page whose content streams show more characters than this (each becomes an "
                                    "object of its own) is refused as `too_large` before it is parsed")
    key_line_gap: float = Field(default=1.5, gt=0,
                        description="a printed key to the categories ends at a gap of more than this many font sizes "
                                    "between its lines (rules/keys.yaml)")
    key_max_rows: int = Field(default=12, ge=2,
                        description="a printed key has at most this many ratings; a longer list is some other table")
    edge_tol: float = Field(default=2.5, ge=0, description="points a word may start left of its column's edge")
    align_tol: float = Field(default=3.5, ge=0,
                        description="points between a record's first words and the column edges")
    segment_gap: float = Field(default=0.9, gt=0,
                        description="a gap wider than this many font sizes splits a line into cells")
    cell_gap: float = Field(default=1.5, gt=1,
                        description="two cells of a row are more than this many word spaces apart "
                            "(the page's usual space between words): closer than `segment_gap` where a word broken "
                            "mid-word fills its cell, leaving only the cell padding")
    cell_gap_min: float = Field(default=1.1, gt=1,
                        description="word spaces: a record label (\"Recommendation R01\") and its value this far "
                                    "apart are two cells though closer than `cell_gap` (monospaced fonts, tight padding)")
    monospace_word_space: float = Field(default=0.5, gt=0,
                        description="a page whose usual word space is at least this many font sizes is set in a "
                                    "monospaced font (Courier: 0.6; proportional fonts about 0.25-0.3)")
    line_tol: float = Field(default=0.3, ge=0,
                        description="words whose tops differ by at most this many font sizes share a line")
    line_tol_min: float = Field(default=1.5, ge=0, description="... or by at most this many points, whichever is more")
    min_line_pitch: float = Field(default=0.8, gt=0,
                        description="paragraphs: lines closer than this many font sizes are not a line pitch (superscripts)")
    paragraph_gap: float = Field(default=0.2, ge=0,
                        description="paragraphs: a line gap this many font sizes wider than the cell's usual one starts a paragraph")
    header_line_gap: float = Field(default=0.35, ge=0,
                        description="lines of one header cell are at most this many font sizes apart")
    max_header_lines: int = Field(default=12, ge=1, le=16,
                        description="lines a header cell may take (narrow columns wrap, and break long words "
                                    "mid-word: \"Cabine|t|Membe|r's|Assess|ment|of|Progre|ss\" takes nine)")
    label_line_gap: float = Field(default=0.35, ge=0,
                        description="key/value layout: lines of one label cell are at most this many font sizes apart")
    scheme_min_score: float = Field(default=0.5, gt=0, le=1,
                                    description="a category scheme is read from a document when at least this share of its "
                                                "categories (or of the assessment labels) is found")
    ocr_dpi: int = Field(default=300, ge=72, le=600, description="resolution image-only pages are rendered at for OCR")
    ocr_screen_dpi: int = Field(default=100, ge=50, le=300,
                                description="resolution of the cheap OCR pass that screens a long scanned document for its report pages")
    ocr_max_words: int = Field(default=5, ge=0,
                               description="--ocr auto: a page with at most this many words in its text layer is OCR'd when an image covers it")
    ocr_min_image_share: float = Field(default=0.5, ge=0, le=1,
                                       description="--ocr auto: ... an image covering at least this share of the page")
    ocr_ruling_share: float = Field(default=0.04, gt=0, le=1,
                                    description="a straight dark run this share of the page's shorter side long is a table ruling, "
                                                "removed before OCR")
    ocr_speck_area: int = Field(default=20, ge=0,
                                description="OCR: a blob of ink of at most this many pixels (at 300 dpi) with no other ink "
                                            "within `ocr_speck_isolation` is a speck of the scan, removed before OCR")
    ocr_speck_tiny: int = Field(default=9, ge=0,
                                description="OCR: a blob of ink of at most this many pixels (at 300 dpi) is a speck wherever "
                                            "it lies (smaller than the dot of an i of a 150 dpi scan)")
    ocr_speck_isolation: float = Field(default=2.0, ge=0, description="points: how far a speck is from any other ink")
    ocr_ruling_gap: float = Field(default=8.0, ge=0,
                                  description="points: a vertical ruling of a scan that stops for longer is two rulings")
    ocr_min_cell: float = Field(default=8.0, ge=1,
                                description="points: the least width and height of a scan's ruled cell read on its own")
    ocr_doubted_word: float = Field(default=60.0, ge=0, le=100,
                                    description="OCR: a word read with less confidence (0-100) is doubted (`ocr_doubted` warning)")
    ocr_doubted_share: float = Field(default=0.03, ge=0, le=1,
                                     description="OCR: the share of a long text's words that may be doubted without a warning")
    ocr_align_tol: float = Field(default=6.0, ge=0,
                                 description="align_tol for OCR'd words, whose boxes sit a few points off their text's edge")
    ocr_max_skew: float = Field(default=5.0, ge=0, le=20, description="degrees: the largest skew of a scan that is straightened")
    ocr_fuzzy_min_length: int = Field(default=5, ge=1,
                        description="letters: in OCR'd responsibility cells, relation-phrase words at least this long "
                                    "match with a few letters misread (spaCy FUZZY), and a leading word shorter than "
                                    "this (\"in\") may be misread or lost")
    ocr_speck_confidence: float = Field(default=40.0, ge=0, le=100,
                        description="OCR: a word of at most `ocr_speck_chars` characters read with less confidence (0-100) "
                                    "is a speck of the scan, not a word (a record label excepted)")
    ocr_speck_chars: int = Field(default=2, ge=0, description="OCR: the longest word that may be a speck")
    ocr_split_gap: float = Field(default=0.3, ge=0,
                        description="OCR: font sizes; a year range Tesseract split (\"2018/1\" \"9\"): digits closer than this "
                                    "to a piece ending in a slash and a digit or two are the same word")
    ocr_pitch_tol: float = Field(default=0.8, gt=0,
                                 description="OCR: points within which two line pitches are the same pitch")
    ocr_pitch_share: float = Field(default=0.25, gt=0, le=1,
                                   description="OCR: the least share of a page's line pitches that makes a pitch common")
    ocr_line_pitch: float = Field(default=1.15, gt=0,
                        description="OCR: lines of running text are set this many font sizes apart (Word's and LibreOffice's "
                                    "single spacing); a page's usual line pitch over it estimates its font size")
    repeated_line_min_share: float = Field(default=0.5, gt=0, le=1,
                        description="a line repeated (digits ignored) at the same height on this share of pages is a running "
                                    "header or footer, and is dropped")
    repeated_line_min_pages: int = Field(default=3, ge=2, description="... and on at least this many pages")
    heading_size_ratio: float = Field(default=1.25, gt=1,
                        description="a line outside table cells at least this many times the table's text size is a "
                                    "heading and ends the table (in an agenda pack: the next item)")
    ocr_min_confidence: float = Field(default=60.0, ge=0, le=100,
                                      description="self-check: a field whose OCR'd words average a lower confidence (0-100) is warned")
    long_cell_ratio: float = Field(default=5.0, gt=1,
                        description="self-check: a cell this many times the median length of its column is suspect")
    long_cell_min_chars: int = Field(default=1500, ge=0,
                        description="self-check: cells shorter than this are never suspect for their length")


DEFAULT = Settings()
