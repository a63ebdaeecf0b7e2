# Two commands on a fresh machine: `make run` (ingest the bundled sample PDFs) and
# `make test` (the whole suite).  Both create .venv and install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
OUT ?= data/processed

# The HTML report test opens the report in Debian's chromium; install it when missing.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test lint bench faults clean browser ocr pango

$(BIN)/scrutiny: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.dev: pyproject.toml $(BIN)/scrutiny
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

run: $(BIN)/scrutiny ocr pango
	$(BIN)/scrutiny ingest data/raw --out $(OUT)
	$(BIN)/scrutiny stats --data $(OUT)

lint: $(VENV)/.dev
	$(BIN)/ruff check pipeline tests bench
	$(BIN)/mypy

# OCR of scanned PDFs needs Tesseract (Debian's tesseract-ocr, English data included).
ocr:
	@command -v tesseract >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends tesseract-ocr tesseract-ocr-eng >/dev/null; }

# `scrutiny report --out x.pdf` prints with WeasyPrint, which loads Pango from the system.
pango:
	@dpkg -s libpango-1.0-0 libpangoft2-1.0-0 >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 >/dev/null; }

browser:
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends chromium >/dev/null; }

test: $(VENV)/.dev lint browser ocr pango
	$(BIN)/pytest -n logical --durations=10

bench: $(VENV)/.dev
	$(BIN)/python bench/run.py

# Fault injection (not part of `make test`): SIGKILL the ingest at 20 random moments, re-run, compare.
faults: $(VENV)/.dev
	$(BIN)/python bench/faults.py --trials 20

clean:
	rm -rf $(OUT)/recommendations $(OUT)/reports $(OUT)/files $(OUT)/history
