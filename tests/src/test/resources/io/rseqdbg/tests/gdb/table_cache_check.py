"""Drives the bridge's table cache (rseqdbg_gdb/tables.py, without the package's __init__, which needs
gdb) through the cases TableCacheTest asserts on; prints one JSON object.

argv: bridge python dir, java, jar, cache dir, file A, file B
"""
import json
import os
import shutil
import sys
import types

bridge, java, jar, cache, file_a, file_b = sys.argv[1:7]
package = types.ModuleType("rseqdbg_gdb")  # the package's modules, its gdb-only __init__ left out
package.__path__ = [os.path.join(bridge, "rseqdbg_gdb")]
sys.modules["rseqdbg_gdb"] = package
from rseqdbg_gdb import tables  # noqa: E402


def read(path):
    reader = tables.TableReader(java, jar, cache)
    answer = reader.read([(path, None)])[path]
    names = sorted(cs.name for cs in answer.tables.sections) if answer.tables else []
    return {"jvmRuns": reader.jvm_runs, "names": names, "problem": answer.problem,
            "file": answer.tables.file if answer.tables else None}


def entry(path):
    return os.path.join(cache, tables.TableReader(java, jar, cache)._key(path, None) + ".json")


out = {}
out["first"] = read(file_a)
out["modes"] = {d: oct(os.stat(d).st_mode & 0o777) for d in (cache, os.path.dirname(cache))}
out["again"] = read(file_a)
with open(entry(file_a), "w") as f:
    f.write('{"key": "truncated')
out["damaged"] = read(file_a)
out["b"] = read(file_b)
shutil.copyfile(entry(file_a), entry(file_b))  # A's answer under B's name
out["swapped"] = read(file_b)
before = sorted(os.listdir(cache))
os.chmod(cache, 0o777)
os.chown(cache, 65534, 65534)  # a directory another user owns (and may write), holding a valid answer
out["foreign"] = read(file_a)
out["foreignUntouched"] = sorted(os.listdir(cache)) == before
print(json.dumps(out))
