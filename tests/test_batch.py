"""The batch under kills, concurrency, changed files and hostile input (issue #10): nothing
lost, nothing doubled, one line instead of a traceback."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.dataset as ds
import pytest
from click.testing import CliRunner
from standins import fail_first_copy

from conftest import PDFS, gold_for
from pdfgen import control_char_pdf, inflating_pdf, nested_forms_pdf
from pipeline.batch import ingest, largest_first
from pipeline.cli import cli
from pipeline.datasets.write import Writer, WriterBusy, history_path

TWO = [p for p in PDFS if p.name.startswith("bham-2016-11-fly-tipping--birmingham.")] + \
      [p for p in PDFS if p.name.startswith("stockton-2016-12-home-care--tracker")]


def rows(out, name):
    path = out / name
    return ds.dataset(path, format="parquet").to_table().to_pylist() if any(path.glob("*.parquet")) else []


def by_name(out):
    return {f["source_file"].rsplit("/", 1)[-1]: f for f in rows(out, "files")}


def n_recs(pdf):
    return len(gold_for(pdf)["recommendations"])


def test_copy_waits_for_its_original(tmp_path, rules):
    """Bug: the copy's `duplicate` row was written before the original was parsed; when the
    original failed, the next run took it for a duplicate of the copy and neither was ever parsed."""
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(TWO[0], src / "a.pdf")
    shutil.copy(TWO[0], src / "b.pdf")
    out = tmp_path / "out"
    first = ingest([src], out, rules, task=fail_first_copy)
    assert first.statuses == {"error": 1} and [w.rsplit("/", 1)[-1] for w in first.waiting] == ["b.pdf"]
    assert set(by_name(out)) == {"a.pdf"}  # nothing written for the copy yet
    again = ingest([src], out, rules)
    files = by_name(out)
    assert files["a.pdf"]["status"] == "parsed" and files["b.pdf"]["status"] == "duplicate"
    assert again.recommendations == n_recs(TWO[0]) and len(rows(out, "recommendations")) == n_recs(TWO[0])
    assert ingest([src], out, rules).skipped == 2  # and it stays that way


@pytest.mark.parametrize("force", [False, True])
def test_changed_bytes_replace_the_paths_rows(tmp_path, rules, force):
    """Bug: new bytes at the same path kept the old rows beside the new ones, even with --force."""
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(TWO[0], src / "r.pdf")
    out = tmp_path / "out"
    ingest([src], out, rules)
    shutil.copy(TWO[1], src / "r.pdf")  # another report at the same path
    summary = ingest([src], out, rules, force=force)
    assert summary.changed == 1 and summary.statuses == {"parsed": 1}
    files = rows(out, "files")
    assert len(files) == 1 and files[0]["status"] == "parsed"
    recs = rows(out, "recommendations")
    assert len(recs) == n_recs(TWO[1]) and {r["file_sha256"] for r in recs} == {files[0]["sha256"]}
    assert len(rows(out, "reports")) == 1
    r = CliRunner().invoke(cli, ["ingest", str(src), "--out", str(out), "--quiet"])
    assert r.exit_code == 0 and "1 already done" in r.output


def test_identity_is_the_canonical_path(tmp_path, rules, monkeypatch):
    """Bug: the same folder given relatively, then absolutely, came out as 11 duplicates."""
    src = tmp_path / "in"
    src.mkdir()
    for p in TWO:
        shutil.copy(p, src / p.name)
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    ingest(["in"], out, rules)
    again = ingest([str(src.resolve())], out, rules)
    assert again.skipped == 2 and not again.statuses
    assert all(f["source_file"].startswith(str(tmp_path.resolve())) for f in rows(out, "files"))


def test_history_rebuilt_when_older_than_the_data(tmp_path, rules):
    """Bug: a kill after the last file but before the history rewrite left the old history,
    and every later run said "nothing new"; a killed history write left its temp file forever."""
    out = tmp_path / "out"
    ingest([TWO[0]], out, rules)
    before = history_path(out).stat().st_mtime_ns

    def stop_at_the_end(x, path):
        if x is not None:
            raise KeyboardInterrupt  # after the file is written, before the history

    with pytest.raises(KeyboardInterrupt):
        ingest([TWO[1]], out, rules, on_file=stop_at_the_end)
    assert history_path(out).stat().st_mtime_ns == before  # stale now
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    leftover = out / "history" / f".part-0.parquet.{dead.stdout.strip()}.tmp"
    leftover.write_bytes(b"partial")
    live = subprocess.Popen(["sleep", "60"])
    alive = out / "files" / f".part-x.parquet.{live.pid}.tmp"  # another live process's
    alive.write_bytes(b"partial")
    try:
        summary = ingest([TWO[0], TWO[1]], out, rules)
    finally:
        live.kill()
    assert summary.skipped == 2 and not summary.statuses
    assert summary.history == n_recs(TWO[0]) + n_recs(TWO[1])  # rebuilt from the data, not "nothing new"
    assert not leftover.exists() and alive.exists()
    alive.unlink()


def test_one_writer_per_out(tmp_path, rules):
    """Bug: a second ingest deleted the first one's temporary files and crashed it."""
    out = tmp_path / "out"
    ingest([TWO[0]], out, rules)
    with Writer(out):
        with pytest.raises(WriterBusy, match=f"pid.*{os.getpid()}"):
            ingest([TWO[1]], out, rules)
        r = CliRunner().invoke(cli, ["ingest", str(TWO[1]), "--out", str(out), "--quiet"])
        assert r.exit_code == 2 and "is being written by another ingest" in r.output
        # Readers are never blocked.
        r = CliRunner().invoke(cli, ["query", "select count(*) as n from files", "--data", str(out), "--format", "csv"])
        assert r.exit_code == 0 and r.output.splitlines() == ["n", "1"]
    assert ingest([TWO[1]], out, rules).statuses == {"parsed": 1}  # the lock is released


@pytest.mark.parametrize("sql", [
    "copy (select 1) to '{elsewhere}'",
    "copy (select * from files) to '{out}/files' (partition_by (status), overwrite true)",
    "attach '{elsewhere}.db'",
    "select * from read_csv('/etc/passwd')",
    "select * from read_csv('{out}/../secret.csv')",
    "set enable_external_access = true",
    "create table t as select 1",
    "",
])
def test_query_is_read_only(tmp_path, rules, sql):
    """Bug: `scrutiny query` could write anywhere (COPY, ATTACH), delete every `files` part
    (COPY … OVERWRITE) and read any file (read_csv('/etc/passwd'))."""
    out = tmp_path / "out"
    ingest([TWO[0]], out, rules)
    (tmp_path / "secret.csv").write_text("a\n1\n")
    before = sorted(p.name for p in (out / "files").iterdir())
    elsewhere = tmp_path / "elsewhere.csv"
    r = CliRunner().invoke(cli, ["query", sql.format(out=out, elsewhere=elsewhere), "--data", str(out)])
    assert r.exit_code == 2 and "query failed" in r.output, r.output
    assert not elsewhere.exists() and not (tmp_path / "elsewhere.csv.db").exists()
    assert sorted(p.name for p in (out / "files").iterdir()) == before


def test_one_line_errors(tmp_path, rules, monkeypatch):
    """Bug: tracebacks for --out below a file, a broken part in OUT, a full disk, a read-only
    OUT, report/inspect output below a file or in a missing folder, inspect --page 999."""
    runner = CliRunner()
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    r = runner.invoke(cli, ["ingest", str(TWO[0]), "--out", str(a_file / "out"), "--quiet"])
    assert r.exit_code == 2 and "cannot use" in r.output and "Traceback" not in r.output
    out = tmp_path / "out"
    assert runner.invoke(cli, ["ingest", str(TWO[0]), "--out", str(out), "--quiet"]).exit_code == 0
    for args in (["report", "--data", str(out), "--out", str(a_file / "x.html")],
                 ["report", "--data", str(out), "--out", str(tmp_path / "missing" / "x.html")],
                 ["inspect", str(TWO[0]), "--png", str(a_file / "p.png")],
                 ["inspect", str(TWO[0]), "--page", "999"]):
        r = runner.invoke(cli, args)
        assert r.exit_code == 2 and r.exception is None or isinstance(r.exception, SystemExit), (args, r.output)
        assert r.exit_code == 2, (args, r.output)
    assert not (tmp_path / "missing").exists()
    # A truncated part: named, with the way to repair it, by ingest and by every reader.
    part = next((out / "recommendations").glob("*.parquet"))
    part.write_bytes(part.read_bytes()[:100])
    for args in (["ingest", str(TWO[1]), "--out", str(out), "--quiet"], ["stats", "--data", str(out)],
                 ["report", "--data", str(out), "--out", str(tmp_path / "r.html")], ["check", "--data", str(out)],
                 ["query", "select 1", "--data", str(out)]):
        r = runner.invoke(cli, args)
        assert r.exit_code == 1 and part.name in r.output and "delete it and re-run" in r.output, (args, r.output)
    part.unlink()
    # A full disk (or a read-only folder) while writing: one line, what was written, exit 1.
    import pipeline.datasets.write

    for err in (errno.ENOSPC, errno.EROFS):
        def broken(table, path, err=err):
            raise OSError(err, os.strerror(err), str(path))

        monkeypatch.setattr(pipeline.datasets.write, "write_table", broken)
        r = runner.invoke(cli, ["ingest", str(TWO[1]), "--out", str(out), "--quiet", "--force"])
        assert r.exit_code == 1 and os.strerror(err) in r.output and "re-run" in r.output and r.exception is not None
        assert isinstance(r.exception, SystemExit), r.output


def test_report_with_maths_in_a_committee_name(tmp_path, rules):
    """Bug: a committee named with `$…$` crashed matplotlib's maths-text parser in `report`."""
    import dataclasses

    from pipeline.datasets.write import Writer
    from pipeline.extract import extract_file

    x = extract_file(TWO[0], rules)
    part = x.reports[0]
    x = dataclasses.replace(x, reports=(dataclasses.replace(part, report=dataclasses.replace(part.report, committee="Budget $5m$ Committee")),))
    out = tmp_path / "out"
    with Writer(out) as w:
        w.write(x)
    r = CliRunner().invoke(cli, ["report", "--data", str(out), "--out", str(tmp_path / "r.html")])
    assert r.exit_code == 0, r.output
    assert "Budget $5m$ Committee" in (tmp_path / "r.html").read_text()


def test_memory_cap_turns_a_bomb_into_a_status(tmp_path, rules):
    """Bug: a PDF whose stream inflates without bound took all the memory it could."""
    src = tmp_path / "in"
    src.mkdir()
    inflating_pdf(src / "bomb.pdf", 600)
    shutil.copy(TWO[0], src / "fine.pdf")
    out = tmp_path / "out"
    summary = ingest([src], out, rules, workers=1, max_memory=200)
    files = by_name(out)
    assert files["bomb.pdf"]["status"] == "too_large" and "--max-memory" in files["bomb.pdf"]["message"]
    assert files["fine.pdf"]["status"] == "parsed" and summary.recommendations == n_recs(TWO[0])


def test_small_things(tmp_path, rules, monkeypatch):
    """Ctrl-C exits 130 and says how far it got; an empty folder says so; a re-run counts
    the files still failing from earlier runs."""
    runner = CliRunner()
    empty = tmp_path / "empty"
    empty.mkdir()
    r = runner.invoke(cli, ["ingest", str(empty), "--out", str(tmp_path / "o1"), "--quiet"])
    assert r.exit_code == 0 and f"no PDFs found under {empty}" in r.output
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(TWO[0], src / "a.pdf")
    (src / "b.pdf").write_bytes(b"%PDF-1.4 truncated")
    out = tmp_path / "out"
    assert runner.invoke(cli, ["ingest", str(src), "--out", str(out), "--quiet"]).exit_code == 1
    r = runner.invoke(cli, ["ingest", str(src), "--out", str(out), "--quiet"])
    assert "1 file(s) still failing from earlier runs: scrutiny check" in r.output
    import pipeline.extract

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    shutil.copy(TWO[1], src / "c.pdf")
    monkeypatch.setattr(pipeline.extract, "extract_file", interrupted)
    r = runner.invoke(cli, ["ingest", str(src), "--out", str(out), "--quiet", "--workers", "1", "--timeout", "0",
                            "--max-memory", "0"])
    assert r.exit_code == 130 and "interrupted after 0 file(s)" in r.output and "a re-run continues" in r.output


def test_the_fork_server_starts_before_the_driver_loads_its_libraries():
    """The fork server (pipeline.jobs.start_workers_early) imports the stages, about a second;
    it starts first, so the driver's own imports (the rules' pydantic, pyarrow) run beside it."""
    code = ("import sys, pipeline.jobs\n"
            "heavy = {'pydantic', 'pipeline.rules', 'pyarrow', 'spacy', 'pdfplumber'} & set(sys.modules)\n"
            "assert not heavy, heavy")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr[-2000:]


def test_a_pool_starts_the_largest_files_first(tmp_path):
    # An agenda pack started last would keep one worker busy while the others idle.
    from pipeline.jobs import Job

    sizes = {"a.pdf": 10, "b.pdf": 5000, "c.pdf": 300, "d.pdf": 300}
    for name, size in sizes.items():
        (tmp_path / name).write_bytes(b"x" * size)
    jobs = [Job(str(tmp_path / n), "") for n in [*sizes, "gone.pdf"]]
    assert [Path(j.path).name for j in largest_first(jobs)] == ["b.pdf", "c.pdf", "d.pdf", "a.pdf", "gone.pdf"]


def test_workers_get_the_drivers_rules(tmp_path):
    """Bug: a Rules object given to the Python API was dropped in pool workers (scheme None)."""
    from pipeline.rules import load_rules

    custom = load_rules()
    renamed = custom.schemes["birmingham"].model_copy(update={"id": "brum"})
    custom = custom.model_copy(update={"schemes": {"brum": renamed, "stockton": custom.schemes["stockton"]}})
    one, two = tmp_path / "one", tmp_path / "two"
    ingest([TWO[0]], one, custom, workers=1)
    ingest(PDFS[:3], two, custom, workers=2, timeout=600)
    assert {r["category_scheme"] for r in rows(one, "reports")} == {"brum"}
    assert {r["category_scheme"] for r in rows(two, "reports")} == {"brum"}


@pytest.mark.parametrize("args, message", [
    # A cross join of five copies of the records never ends: the time limit stops it, whatever the machine's speed.
    (["select count(*) from recommendations a, recommendations b, recommendations c, recommendations d, "
      "recommendations e", "--timeout", "1"], "query stopped after 1 s (--timeout)"),
    (["select * from recommendations a, recommendations b", "--max-rows", "10"], "more than 10 rows (--max-rows)"),
    (["select 1; select 2"], "2 statements: give exactly one"),
])
def test_query_limits_are_one_line_errors(public_out, args, message):
    """Bug (issue #20): a cross join ran for ever (Ctrl-C did not stop it), a huge result was a
    MemoryError traceback; `select 1; select 2` silently returned the last result."""
    r = CliRunner().invoke(cli, ["query", *args, "--data", str(public_out)])
    lines = r.output.strip().splitlines()
    assert r.exit_code == 2 and len(lines) == 1 and lines[0].startswith("Error: query failed: ") and message in lines[0], r.output


def test_an_empty_result_prints_its_header(public_out):
    r = CliRunner().invoke(cli, ["query", "select rec_id from recommendations where false", "--data", str(public_out)])
    assert r.exit_code == 0 and r.output.splitlines() == ["rec_id"]


def test_a_data_path_is_never_sql(tmp_path, rules):
    """Bug (issue #20): `--data` was pasted into SQL: a folder named `');copy … to 'pwned.csv';--`
    wrote a file, and a plain apostrophe made every later `stats`/`query` fail."""
    out = tmp_path / "it's');copy (select 42) to 'pwned.csv';--"
    assert ingest([TWO[0]], out, rules).statuses == {"parsed": 1}
    r = CliRunner().invoke(cli, ["query", "select count(*) as n from recommendations", "--data", str(out), "--format", "csv"])
    assert r.exit_code == 0 and r.output.splitlines() == ["n", str(n_recs(TWO[0]))], r.output
    assert CliRunner().invoke(cli, ["stats", "--data", str(out)]).exit_code == 0
    assert not list(tmp_path.rglob("pwned.csv")) and not Path("pwned.csv").exists()


def test_sigterm_stops_the_batch_at_once_and_releases_the_lock(tmp_path):
    """Bug (issue #20): SIGTERM printed nothing and left workers behind holding the lock, so
    the next ingest was refused for a minute naming a dead pid. Now SIGTERM unwinds as Ctrl-C:
    workers (and their process groups) are stopped, finished files kept, exit 143."""
    import signal
    import time

    src = tmp_path / "in"
    shutil.copytree(PDFS[0].parent, src)
    out = tmp_path / "out"
    scrutiny = Path(sys.executable).with_name("scrutiny")
    proc = subprocess.Popen([str(scrutiny), "ingest", str(src), "--out", str(out), "--workers", "2", "--quiet"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while not list((out / "files").glob("*.parquet")) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)  # the first file written: the batch is under way
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 143, err
    assert "terminated (SIGTERM) after" in err and "Traceback" not in err
    r = subprocess.run([str(scrutiny), "ingest", str(src), "--out", str(out), "--quiet"], capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0 and "is being written by another ingest" not in r.stderr, r.stderr
    assert r.stdout.startswith(f"{out}:") and "already done" in r.stdout
    files = ds.dataset(out / "files", format="parquet").to_table().to_pylist()
    assert len(files) == len(PDFS) and {f["status"] for f in files} == {"parsed"}


def test_nested_form_xobjects_are_refused_before_they_are_drawn(tmp_path, rules):
    """Bug (issue #20): a 3 KB PDF of Form XObjects nested 15 deep, each drawing the next 4 times
    (4^15 drawings), took minutes and gigabytes before `too_large`. Its drawings are counted
    from the content streams first, and refused; a form nested a few times is read as usual."""
    src = tmp_path / "in"
    src.mkdir()
    nested_forms_pdf(src / "bomb.pdf", fanout=4, depth=15)
    nested_forms_pdf(src / "small.pdf", fanout=2, depth=5)  # 32 drawings: an ordinary page
    shutil.copy(TWO[0], src / "fine.pdf")
    out = tmp_path / "out"
    ingest([src], out, rules, workers=1)
    files = by_name(out)
    assert (files["bomb.pdf"]["status"], files["bomb.pdf"]["message"]) == \
        ("too_large", "page 1 draws more than 200,000 form objects (nested Form XObjects); not parsed")
    assert files["small.pdf"]["status"] == "empty" and files["fine.pdf"]["status"] == "parsed"
    r = CliRunner().invoke(cli, ["inspect", str(src / "bomb.pdf")])
    assert r.exit_code == 1 and "too_large: page 1 draws more than 200,000 form objects" in r.output


def test_a_page_of_200k_words_is_refused_before_its_characters_are_built(tmp_path, rules):
    """Bug (issue #20): 200,000 words on one page took 2.26 GB before `too_large`: the characters
    its content stream shows are counted from the stream's bytes first."""
    from pipeline.extract import extract_file

    x = extract_file(control_char_pdf(tmp_path / "words.pdf", b"word " * 200_000), rules)
    assert x.status == "too_large" and x.message.startswith("page 1 shows about 1,000,000 characters (more than 100,000)")


def test_workers_and_their_children_end_with_a_killed_driver(tmp_path):
    """Bug (issue #20): after `kill -9` of the driver, its workers (and Tesseract) ran on. Each
    worker watches its driver and ends its whole process group once the driver is gone."""
    import os
    import signal
    import time

    pdf = tmp_path / "a.pdf"
    shutil.copy(TWO[0], pdf)
    driver = subprocess.Popen([sys.executable, "-c", (
        "import sys; sys.path[:0] = ['tests', '.']\n"
        "from standins import note_pid_and_hang\n"
        "from pipeline.batch import ingest\n"
        "from pipeline.rules import load_rules\n"
        f"ingest([{str(pdf)!r}], {str(tmp_path / 'out')!r}, load_rules(), workers=2, timeout=3600, task=note_pid_and_hang)\n")],
        cwd=Path(__file__).resolve().parents[1])
    pids = pdf.with_suffix(".pids")
    deadline = time.monotonic() + 300
    while not (pids.exists() and pids.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.05)
    worker, child = map(int, pids.read_text().split())
    driver.send_signal(signal.SIGKILL)
    driver.wait()

    def alive(pid: int) -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return not open(f"/proc/{pid}/stat").read().split(") ")[1].startswith("Z")  # a zombie is gone

    deadline = time.monotonic() + 60
    while (alive(worker) or alive(child)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(worker) and not alive(child)


def test_a_worker_reads_scanned_pages_on_the_cores_it_has_to_itself(tmp_path, rules, monkeypatch):
    """Issue #23: one worker on a 2-core machine read its scanned pages one at a time, one core idle."""
    import pipeline.batch
    import pipeline.jobs
    from pipeline.jobs import Job, failed, pooled

    monkeypatch.setattr(pipeline.jobs, "default_workers", lambda: 4)
    monkeypatch.setattr(pipeline.batch, "default_workers", lambda: 4)
    seen: list[int] = []

    def note(job: Job, rules=None):
        seen.append(job.ocr_threads)
        return failed(job, "no_tracking_table", "stand-in")

    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(TWO[0], src / "a.pdf")
    ingest([src], tmp_path / "one", rules, workers=1, task=note)
    ingest([src], tmp_path / "two", rules, workers=2, task=note)  # one file: parsed here, not in a pool
    ingest([src], tmp_path / "three", rules, workers=3, task=note)
    assert seen == [4, 2, 1]
    assert pooled(1, None, 0) is False and pooled(1, 600.0, 0) and pooled(1, None, 64) and pooled(2, None, 0)
    assert pooled(2, None, 0, n_files=1) is False
