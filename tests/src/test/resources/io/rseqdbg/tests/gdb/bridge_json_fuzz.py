"""Feeds the bridge's own JSON readers (rseqdbg_gdb/tables.py and schema.py, loaded without the
package's gdb-only __init__) many inputs in one interpreter; BridgeJsonFuzzTest judges the results.

argv: bridge python dir, inputs file, a scratch directory
The inputs file is a run of records "KIND LENGTH\\n" + LENGTH bytes, KIND one of
  table    what `rseqdbg table --json` printed: read as TableReader._run reads the reader's stdout
  section  what `rseqdbg section --json` printed: read as TableReader.live reads it
  cache    a table-cache file, stored under the key CACHE_KEY: read back by TableReader._from_disk
  process  a script run in place of java (a whole TableReader.read through a real child process,
           with its output and time bounded as for the real reader)
Prints one JSON line per input, then one line {"maxRssKiB": ...} (this interpreter's peak).
"""
import json
import os
import sys
import time
import traceback
import types

bridge, inputs, scratch = sys.argv[1:4]
cache = os.path.join(scratch, "cache")
package = types.ModuleType("rseqdbg_gdb")  # the package's modules, its gdb-only __init__ left out
package.__path__ = [os.path.join(bridge, "rseqdbg_gdb")]
sys.modules["rseqdbg_gdb"] = package
from rseqdbg_gdb import tables  # noqa: E402

CACHE_KEY = "0" * 64
SHOWN_SECTIONS = 64
PROCESS_TIMEOUT = 1.0


def sections_of(answer):
    if answer.tables is None:
        return []
    return [section(cs) for cs in answer.tables.sections[:SHOWN_SECTIONS]]


def section(cs):
    """Addresses as hex: the test's JSON parser has no unsigned 64-bit numbers."""
    return {"name": cs.name, "file": cs.file, "start": hex(cs.start), "postCommit": hex(cs.post_commit),
            "abort": hex(cs.abort), "waysOut": [[hex(at), outcome] for at, outcome in cs.ways_out_judged],
            "exits": [hex(e) for e in cs.exits], "outcomeElsewhere": cs.outcome_elsewhere}


def answers_result(answers):
    """Every answer of a table read: its sections, or its problem (a line the bridge prints)."""
    problems = [a.problem for a in answers.values() if a.problem is not None]
    listed = [s for a in answers.values() for s in sections_of(a)]
    return {"result": "tables", "problems": problems, "sections": listed, "files": len(answers)}


def read_table(data):
    document = tables.reader_document(data, "", 0, "/jar", "table")
    answers, rules = tables.table_answers(document)
    result = answers_result(answers)
    result["opvLimit"] = rules.opv_redirects_without_progress
    return result


def read_section(data):
    document = tables.reader_document(data, "", 0, "/jar", "section")
    cs, rules = tables.section_answer(document, 0x1000)
    return {"result": "tables", "problems": [], "sections": [] if cs is None else [section(cs)],
            "opvLimit": rules.opv_redirects_without_progress}


class CacheOnly(tables.TableReader):
    """The real reader with the key fixed, so the cache file under test is the one looked up."""

    def _key(self, path, build_id):
        return CACHE_KEY


def read_cache(data):
    with open(os.path.join(cache, CACHE_KEY + ".json"), "wb") as f:
        f.write(data)
    answer = CacheOnly("/no/java", "/no/jar", cache)._from_disk(CACHE_KEY)
    if answer is None:
        return {"result": "ignored"}
    result = answers_result({"f": answer})
    return result


def read_process(script):
    stand_in = os.path.join(scratch, "java")
    with open(stand_in, "wb") as f:
        f.write(script)
    os.chmod(stand_in, 0o755)
    reader = CacheOnly(stand_in, "/no/jar", None, timeout=PROCESS_TIMEOUT)
    return answers_result(reader._run(["/f"]))  # the reader's whole run: process, bounds, parse


READERS = {"table": read_table, "section": read_section, "cache": read_cache, "process": read_process}


def records(path):
    with open(path, "rb") as f:
        while True:
            header = f.readline()
            if not header:
                return
            kind, length = header.decode().split()
            yield kind, f.read(int(length))


def main():
    os.makedirs(cache, mode=0o700, exist_ok=True)
    out = sys.stdout
    for n, (kind, data) in enumerate(records(inputs)):
        began = time.monotonic()
        try:
            result = READERS[kind](data)
        except tables.ReaderError as e:  # the one failure the bridge turns into its one line
            result = {"result": "error", "message": str(e)}
        except BaseException as e:  # anything else is a traceback in the user's gdb
            result = {"result": "crash", "message": "".join(traceback.format_exception(e))[-3000:]}
        result.update(n=n, kind=kind, seconds=time.monotonic() - began)
        out.write(json.dumps(result) + "\n")
    out.write(json.dumps({"maxRssKiB": peak_rss_kib()}) + "\n")


def peak_rss_kib():
    """This interpreter's own peak (VmHWM): getrusage's maxrss keeps the peak of the JVM that started it."""
    with open("/proc/self/status") as f:
        return int(next(line for line in f if line.startswith("VmHWM:")).split()[1])


main()
