"""Reading stage: open a PDF with pdfplumber and return its words, page by page.

With `render.py` (a page drawn for `inspect --png`), the only module importing
pdfplumber (and pypdfium2, for the cheap page texts the agenda-pack pre-filter reads).
Unreadable input raises
`ReadError` with a status from the `files` dataset vocabulary and a one-line,
human-readable message; nothing else escapes.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import itertools
import logging
import re
import warnings
from collections.abc import Iterator
from pathlib import Path

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfparser import PDFSyntaxError
from pdfminer.psparser import PSException
from pdfplumber.utils.exceptions import PdfminerException
from pdfplumber.utils.text import extract_words

from pipeline.models import Document, Page, Word
from pipeline.read.chars import page_objects
from pipeline.read.lines import group_lines
from pipeline.read.ocr import PDFIUM, Ocr, OcrUnavailable, in_parallel, ocr_page, screen_text, tesseract_version
from pipeline.settings import DEFAULT, Settings
from pipeline.text import printable
from pipeline.vocab import OcrMode, Status

# pdfminer logs every recoverable oddity of malformed files at WARNING.
logging.getLogger("pdfminer").setLevel(logging.ERROR)

PDF_MAGIC = b"%PDF-"
_HASH_CHUNK = 1 << 20


TOO_LARGE = ("needed more memory than a worker may take (--max-memory); not parsed; re-run with a larger "
             "--max-memory and --force to try again")


class ReadError(Exception):
    """A PDF could not be read. `status` is one of empty/encrypted/corrupt/not_pdf/too_large."""

    def __init__(self, status: Status, message: str):
        super().__init__(message)
        self.status = status
        self.message = message

    def __reduce__(self) -> tuple:
        # Raised in a worker process (inspect), it crosses back pickled: with both arguments.
        return (ReadError, (self.status, self.message))


def file_sha256(path: str | Path) -> str:
    """Return the hex sha256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(_HASH_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


@functools.lru_cache(maxsize=1024)
def _base_font(fontname: str) -> str:
    # A subset prefix ("BAAAAA+") differs between documents that embed the same font.
    head, plus, rest = fontname.partition("+")
    return rest if plus and len(head) == 6 and head.isupper() else fontname


@functools.lru_cache(maxsize=1024)
def _is_bold(fontname: str) -> bool:
    name = fontname.lower()
    return any(k in name for k in ("bold", "black", "heavy", "semibold", ",b"))


def _image_share(page: pdfplumber.page.Page, images: list[dict]) -> float:
    """The share of the page's area its images cover (at most 1)."""
    area = float(page.width * page.height) or 1.0
    covered = sum(max(0.0, min(float(i["x1"]), float(page.width)) - max(float(i["x0"]), 0.0))
                  * max(0.0, min(float(i["bottom"]), float(page.height)) - max(float(i["top"]), 0.0))
                  for i in images)
    return min(1.0, covered / area)


def _image_dpi(images: list[dict]) -> int | None:
    """The resolution (dots per inch, across) of the largest of a page's images."""
    best = max(images, key=lambda i: float(i["width"]) * float(i["height"]), default=None)
    if best is None or not best.get("srcsize") or float(best["width"]) <= 0:
        return None
    return round(float(best["srcsize"][0]) * 72 / float(best["width"]))


def _page_words(page: pdfplumber.page.Page, chars: list[dict], number: int, settings: Settings) -> Page:
    words = extract_words(
        chars,
        keep_blank_chars=False,
        use_text_flow=False,
        extra_attrs=["fontname", "size"],
        x_tolerance=settings.word_x_tol,
        y_tolerance=settings.word_y_tol,
    )
    out = []
    rotated = 0
    for w in words:
        if not w.get("upright", True):
            rotated += 1  # vertical text is not table content; counted for the message
            continue
        text = printable(w["text"])  # a font's /Differences can map glyphs to NUL, ESC, BEL: never stored
        if not text.strip():
            continue
        out.append(
            Word(
                text=text,
                x0=float(w["x0"]),
                x1=float(w["x1"]),
                top=float(w["top"]),
                bottom=float(w["bottom"]),
                size=round(float(w["size"]), 1),
                bold=_is_bold(str(w["fontname"])),
                page=number,
                font=_base_font(str(w["fontname"])),
            )
        )
    return Page(
        number=number,
        width=float(page.width),
        height=float(page.height),
        words=tuple(out),
        lines=group_lines(out, settings),
        rotated_words=rotated,
    )


def _classify(exc: BaseException) -> ReadError:
    """Map a pdfminer/pdfplumber failure to a status and a message."""
    inner: BaseException = exc
    if isinstance(exc, PdfminerException) and exc.args and isinstance(exc.args[0], BaseException):
        inner = exc.args[0]
    if isinstance(inner, (PDFPasswordIncorrect, PDFEncryptionError)):
        return ReadError(Status.ENCRYPTED, "password-protected PDF: cannot be read without its password")
    text = str(inner) or type(inner).__name__
    if isinstance(inner, MemoryError) or "unable to allocate" in text.lower():  # zlib under the memory cap
        return ReadError(Status.TOO_LARGE, TOO_LARGE)
    if isinstance(inner, (PDFSyntaxError, PSException)) or isinstance(exc, PdfminerException):
        return ReadError(Status.CORRUPT, f"malformed PDF: {text}")
    return ReadError(Status.CORRUPT, f"cannot parse PDF: {type(inner).__name__}: {text}")


_DO = re.compile(rb"/([^\s/\[\]()<>{}%]+)\s+Do\b")  # "/Fm0 Do": draw the XObject named Fm0
_STRING = re.compile(rb"\((?:\\.|[^\\)])*\)|<[0-9A-Fa-f\s]*>")  # a literal or hex string: text to show


def drawn_objects(page_obj: object, limit: int) -> tuple[int, int]:
    """(Form XObjects a page draws once nested forms are expanded, characters its content
    streams show), counted from the streams' bytes without drawing anything: a form drawn 4
    times by a form drawn 4 times … is 4^depth. Stops counting forms past `limit`."""
    from pdfminer.pdftypes import resolve1, stream_value

    memo: dict[int, int] = {}

    def streams(obj: object) -> list:
        obj = resolve1(obj)
        return [x for o in (obj if isinstance(obj, list) else [obj]) if (x := resolve1(o)) is not None]

    def count(data: bytes, resources: object, depth: int) -> int:
        xobjects = resolve1((resolve1(resources) or {}).get("XObject")) or {}
        total = 0
        for m in _DO.finditer(data):
            ref = xobjects.get(m.group(1).decode("latin-1"))
            total += 1 + expand(ref, depth + 1)
            if total > limit:
                break
        return total

    def expand(ref: object, depth: int) -> int:
        key = getattr(ref, "objid", None)
        if key is not None and key in memo:
            return memo[key]
        obj = resolve1(ref)
        attrs = getattr(obj, "attrs", None)
        if depth > 64 or not attrs or getattr(resolve1(attrs.get("Subtype")), "name", None) != "Form":
            return 0  # an image, or nothing: drawn once
        if key is not None:
            memo[key] = limit + 1  # a form that draws itself: counted as too many
        n = count(stream_value(obj).get_data(), attrs.get("Resources"), depth)
        if key is not None:
            memo[key] = n
        return n

    attrs = getattr(page_obj, "attrs", {})
    data = [stream_value(st).get_data() for st in streams(attrs.get("Contents"))]
    shown = sum(len(m.group()) - 2 for d in data for m in _STRING.finditer(d))  # hex strings count twice: an estimate
    return sum(count(d, attrs.get("Resources"), 0) for d in data), shown


def iter_pages(path: str | Path, pages: list[int] | None = None,
               settings: Settings = DEFAULT) -> Iterator[tuple[Page, float]]:
    """Yield the pages of a PDF as its text layer gives them (1-based numbers in `pages`,
    default all), each with the share of it images cover (computed for pages with few words).

    Raises ReadError for a file that is not a readable PDF.
    """
    path = Path(path)
    size = path.stat().st_size
    if size == 0:
        raise ReadError(Status.EMPTY, "file is empty (0 bytes)")
    with open(path, "rb") as fh:
        head = fh.read(1024)
    if PDF_MAGIC not in head:
        raise ReadError(Status.NOT_PDF, "not a PDF: no %PDF- header in the first 1024 bytes")
    try:
        pdf = pdfplumber.open(path)
    except MemoryError:
        raise
    except Exception as exc:  # pdfminer raises many unrelated types for bad files
        raise _classify(exc) from exc
    with pdf, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            n = len(pdf.pages)
        except MemoryError:
            raise
        except Exception as exc:
            raise _classify(exc) from exc
        wanted = pages or list(range(1, n + 1))
        for number in wanted:
            if not 1 <= number <= n:
                continue
            try:
                page = pdf.pages[number - 1]
                drawn, shown = drawn_objects(page.page_obj, settings.max_drawn_objects)
                if drawn > settings.max_drawn_objects:  # refused before pdfminer expands them (minutes, gigabytes)
                    raise ReadError(Status.TOO_LARGE, f"page {number} draws more than {settings.max_drawn_objects:,} "
                                    "form objects (nested Form XObjects); not parsed")
                if shown > settings.max_page_chars:  # each character becomes an object of its own
                    raise ReadError(Status.TOO_LARGE, f"page {number} shows about {shown:,} characters (more than "
                                    f"{settings.max_page_chars:,}); not parsed")
                objects = page_objects(page)
                result = _page_words(page, objects.chars, number, settings)
                share = _image_share(page, objects.images) if len(result.words) <= settings.ocr_max_words else 0.0
                if share >= settings.ocr_min_image_share:
                    result = dataclasses.replace(result, scan_dpi=_image_dpi(objects.images))
                page.close()
            except (MemoryError, ReadError):
                raise  # the worker's memory cap, or an object explosion: too large, not corrupt
            except Exception as exc:
                raise _classify(exc) from exc
            yield result, share


def _with_ocr(path: Path, layer: list[tuple[Page, float]], settings: Settings, ocr: Ocr | None) -> list[Page]:
    """The pages, those `ocr` wants read by OCR; image-only pages left unread are marked.

    With `--ocr auto` the image-only pages are first screened by a cheap OCR: when neither
    they nor the text layer look like a recommendation table (`ocr.looks_like_table`), none
    is read in full (a scanned letter costs a fraction of a second, not seconds a page) and
    they are marked `ocr_screened`. Pages are read `ocr.threads` at a time.
    """
    todo = {p.number: p for p, share in layer if ocr is not None and ocr.wanted(p, share)}
    if ocr is not None and todo and ocr.mode == OcrMode.AUTO and ocr.looks_like_table is not None and tesseract_version() is not None:
        # Lazily: the screen stops at the first page that looks like a table (a cheap OCR costs
        # about a second a page, and all pages are then read in full anyway).
        texts = itertools.chain((" ".join(w.text for w in p.words) for p, _ in layer if p.number not in todo),
                                in_parallel(lambda n: screen_text(path, n, ocr), list(todo), ocr.threads))
        if not any(ocr.looks_like_table(t) for t in texts):
            return [dataclasses.replace(p, ocr_screened=True) if p.number in todo else p for p, _ in layer]

    def read(page: Page, ocr: Ocr) -> Page | None:
        try:
            return ocr_page(path, page.number, page.width, page.height, ocr, scan_dpi=page.scan_dpi)
        except OcrUnavailable:
            return None

    read_pages = {} if ocr is None else \
        dict(zip(todo, in_parallel(functools.partial(read, ocr=ocr), list(todo.values()), ocr.threads)))
    out = []
    for page, share in layer:
        page = read_pages.get(page.number) or page
        if not page.words and share >= settings.ocr_min_image_share and page.ocr_skew is None:
            page = dataclasses.replace(page, unread_image=True)
        out.append(page)
    return out


def page_count(path: str | Path) -> int:
    """Return the number of pages of a readable PDF (ReadError otherwise)."""
    path = Path(path)
    if path.stat().st_size == 0:
        raise ReadError(Status.EMPTY, "file is empty (0 bytes)")
    try:
        with pdfplumber.open(path) as pdf:
            return len(pdf.pages)
    except Exception as exc:
        raise _classify(exc) from exc


def page_texts(path: str | Path, min_pages: int = 0) -> list[str] | None:
    """Each page's plain text, read cheaply with pdfium (about 1 ms a page).

    Returns None when pdfium cannot read the file (the caller then parses every page
    with pdfplumber, whose errors say what is wrong with it) and when the document
    has fewer than `min_pages` pages (nothing to screen).
    """
    import pypdfium2 as pdfium

    with PDFIUM:
        try:
            pdf = pdfium.PdfDocument(str(path))
        except Exception:  # pdfium raises PdfiumError and OSError subclasses for bad files
            return None
        texts: list[str] = []
        try:
            if len(pdf) < min_pages:
                return None
            for i in range(len(pdf)):
                page = pdf[i]
                textpage = page.get_textpage()
                texts.append(textpage.get_text_range())
                textpage.close()
                page.close()
        except Exception:
            return None
        finally:
            pdf.close()
        return texts


def read_document(path: str | Path, sha256: str | None = None, pages: tuple[int, ...] | None = None,
                  n_pages: int | None = None, settings: Settings = DEFAULT, ocr: Ocr | None = None) -> Document:
    """Read the pages of a PDF (1-based numbers in `pages`, default all) into a Document.

    `n_pages` is the document's page count when known (pages may be a subset).
    Raises ReadError (status empty/encrypted/corrupt/not_pdf) for unreadable files.
    """
    path = Path(path)
    read = tuple(_with_ocr(path, list(iter_pages(path, list(pages) if pages else None, settings)), settings, ocr))
    if not read and not pages:
        raise ReadError(Status.EMPTY, "PDF has no pages")
    return Document(
        path=str(path),
        sha256=sha256 or file_sha256(path),
        n_bytes=path.stat().st_size,
        pages=read,
        n_pages=n_pages or len(read),
    )
