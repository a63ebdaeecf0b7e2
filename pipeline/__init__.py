"""Extract council scrutiny recommendation-tracking reports from PDF into Parquet.

Stages, one module each, data flowing one way:
read (pdfplumber) -> layout (lines, page furniture) -> blocks (tables, records across
pages) -> cover (report fields, scheme) -> fields (split cells, spaCy) ->
normalise (typed records) -> write (Parquet).  Analysis reads only Parquet.
"""

__version__ = "0.2.0"
PARSER_VERSION = f"scrutiny-tracking/{__version__}"
