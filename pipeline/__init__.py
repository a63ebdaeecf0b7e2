"""Extract council scrutiny recommendation-tracking reports from PDF into Parquet.

Stages as sub-packages, data flowing one way (tests/test_architecture.py holds the order):
read/ (pdfplumber: words, lines; page pre-filter) -> find/ (page furniture, header rows,
tables and key/value boxes, cover fields, council) -> fields/ (split cells with rules and
spaCy, dates, category scheme, typed records, self-check) -> extract (one document through
them) -> datasets/ (schemas, Parquet writer, history) -> analysis/ (SQL, statistics, the
annual report; Parquet only). Beside them: models (records), vocab (enums), rules and
settings (rules/ files), text (one text key). The run layer: jobs, ingest, cluster, cli.
"""

__version__ = "0.3.0"
PARSER_VERSION = f"scrutiny-tracking/{__version__}"
