"""Critical-section tables from the Java reader (``rseqdbg table --json``), cached per file.

The bridge never parses ELF: one JVM reads every file gdb loaded since the last read (a program
with 20 shared libraries costs one JVM start), and each answer is kept in memory and on disk under
the file's build-id (or its path, size and mtime when it has none).
"""

import dataclasses
import hashlib
import json
import os
import re
import stat
import tempfile

from . import readerprocess, schema
from .schema import DocumentError

READER_TIMEOUT = 120

# The JVM options ./rseqdbg gives its short commands (stepper/src/main/sh/java-options.sh: keep the
# two alike): a table read is over in about a JVM start-up.
SHORT_RUN_OPTIONS = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UsePerfData",
                     "-Xshare:auto", "-Xlog:cds=off", "-Xlog:cds+dynamic=off"]


def cds_archive(jar, java):
    """The build's class-data archive of ``jar`` for the JDK of ``java`` when it is current, else None.

    The rule of java-options.sh: ``cds/rseqdbg<JDK home, / as _>.jsa`` beside the jar, newer than the
    jar and than the JDK's libjvm.so.
    """
    try:
        jdk = os.path.realpath(java)
        if jdk.endswith("/bin/java"):
            jdk = jdk[:-len("/bin/java")]
        jar = os.path.realpath(jar)
        archive = os.path.join(os.path.dirname(jar), "cds", "rseqdbg" + re.sub(r"[^A-Za-z0-9._-]", "_", jdk) + ".jsa")
        made = os.stat(archive)
        if made.st_size == 0 or made.st_mtime_ns <= os.stat(jar).st_mtime_ns:
            return None
        jvm = os.path.join(jdk, "lib", "server", "libjvm.so")
        if os.path.exists(jvm) and made.st_mtime_ns <= os.stat(jvm).st_mtime_ns:
            return None
        return archive
    except OSError:
        return None


def java_command(java, jar):
    """``java ... -jar JAR``, as ./rseqdbg runs table and check (the archive, when usable, with the jar's real path)."""
    command = [java] + SHORT_RUN_OPTIONS
    archive = cds_archive(jar, java)
    if archive:
        command.append("-XX:SharedArchiveFile=" + archive)
    return command + ["-jar", os.path.realpath(jar)]


@dataclasses.dataclass(frozen=True)
class Rules:
    """What holds for every section and policy, as the Java side states it (``rules`` in the JSON)."""

    outcome_elsewhere: str
    opv_redirects_without_progress: int

    @staticmethod
    def from_json(rules):
        return Rules(outcome_elsewhere=schema.word(schema.field(rules, "outcomeElsewhere", "rules"), "outcomeElsewhere"),
                     opv_redirects_without_progress=schema.count(
                         schema.field(rules, "opvRedirectsWithoutProgress", "rules"), "opvRedirectsWithoutProgress",
                         1, 1 << 20))


@dataclasses.dataclass(frozen=True)
class CriticalSection:
    """One rseq critical section: code in [start, post_commit), left through its ``ways_out``.

    ``ways_out`` is ((address, outcome), ...) exactly as the Java side filtered and judged them
    (never inside the section, never on the signature): the bridge plants guards there and names
    an end by it, and has no rule of its own. ``exits_declared``: breakpoints at the ways out
    catch every way out, else a run must single-step the section.
    """

    name: str
    start: int
    post_commit: int
    abort: int
    exits: tuple
    file: str
    ways_out_judged: tuple
    exits_declared: bool
    outcome_elsewhere: str

    def contains(self, pc):
        return self.start <= pc < self.post_commit

    def ways_out(self):
        return tuple(at for at, _ in self.ways_out_judged)

    def outcome_at(self, pc):
        """How the section ended when the thread left it for ``pc``."""
        for at, outcome in self.ways_out_judged:
            if at == pc:
                return outcome
        return self.outcome_elsewhere

    @staticmethod
    def from_json(cs, file, rules):
        """One entry of ``criticalSections`` (table --json) or the ``criticalSection`` of section --json.

        Checked as the bridge will use it: a section of 1 byte to MAX_SECTION_LENGTH (placing it reads
        its code), no way out inside it (a guard there would break it), every value of its type.
        """
        def get(key):
            return schema.field(cs, key, "a critical section")

        name = schema.text(get("name"), "a section's name")
        start = schema.address(get("start"), "start of " + name)
        post_commit = schema.address(get("postCommit"), "postCommit of " + name)
        if not 0 < post_commit - start <= schema.MAX_SECTION_LENGTH:
            raise DocumentError("%s is not 1 to %d bytes long" % (name, schema.MAX_SECTION_LENGTH))
        ways_out = []
        for way in schema.items(get("waysOut"), "waysOut of " + name):
            at = schema.address(schema.field(way, "address", "a way out of " + name), "a way out of " + name)
            if start <= at < post_commit:
                raise DocumentError("a way out of %s lies inside it: 0x%x" % (name, at))
            ways_out.append((at, schema.word(schema.field(way, "outcome", "a way out of " + name), "an outcome")))
        return CriticalSection(name=name, start=start, post_commit=post_commit,
                               abort=schema.address(get("abort"), "abort of " + name),
                               exits=tuple(schema.address(e, "an exit of " + name)
                                           for e in schema.items(get("exits"), "exits of " + name)),
                               file=file, ways_out_judged=tuple(ways_out),
                               exits_declared=schema.flag(get("exitsDeclared"), "exitsDeclared of " + name),
                               outcome_elsewhere=rules.outcome_elsewhere)

    def relocated(self, bias):
        return dataclasses.replace(self, start=self.start + bias, post_commit=self.post_commit + bias,
                                   abort=self.abort + bias, exits=tuple(e + bias for e in self.exits),
                                   ways_out_judged=tuple((at + bias, o) for at, o in self.ways_out_judged))


@dataclasses.dataclass(frozen=True)
class FileTables:
    """The critical sections of one ELF file at link-time addresses, and its slow paths' entries."""

    file: str
    position_independent: bool
    sections: tuple
    slow_paths: tuple
    rules: Rules

    @staticmethod
    def from_json(entry, rules):
        """One entry of ``files`` (table --json), with the document's ``rules``; DocumentError when malformed."""
        rules = Rules.from_json(rules)
        file = schema.text(schema.field(entry, "file", "a file's entry"), "a file's name")

        def get(key):
            return schema.field(entry, key, "the entry of " + file)

        sections = tuple(CriticalSection.from_json(cs, file, rules)
                         for cs in schema.items(get("criticalSections"), "criticalSections of " + file))
        slow_paths = tuple(schema.address(schema.field(p, "address", "a slow path"), "a slow path of " + file)
                           for p in schema.items(get("slowPaths"), "slowPaths of " + file))
        return FileTables(file=file, sections=sections, slow_paths=slow_paths, rules=rules,
                          position_independent=schema.flag(get("positionIndependent"), "positionIndependent"))


class ReaderError(Exception):
    """The reader could not run at all (no java, no jar, a crash): one line for the user."""


@dataclasses.dataclass(frozen=True)
class Answer:
    """What the reader said about one file: its tables, or why it rejected the file."""

    tables: FileTables = None
    problem: str = None
    raw: dict = None  # the file's JSON entry and the document's rules, as the disk cache keeps them
    rules: dict = None


class TableReader:
    """Runs ``java [short-run options] -jar JAR table --json FILE...`` and caches each file's answer."""

    def __init__(self, java, jar, cache_dir=None, timeout=READER_TIMEOUT):
        self.java = java
        self.timeout = timeout
        self.jar = jar
        self.cache_dir = cache_dir
        self._memory = {}
        self._live = {}  # live descriptor words -> CriticalSection or None
        self.jvm_runs = 0
        self.rules = None  # from the last answer read: every answer carries them

    def read(self, files):
        """{path: Answer} for ``files``, a list of (path, build_id or None); one JVM for all misses."""
        answers = {}
        missing = []
        for path, build_id in files:
            key = self._key(path, build_id)
            answer = self._memory.get(key) or self._from_disk(key)
            if answer is None:
                missing.append((path, key))
            else:
                self._memory[key] = answer
                answers[path] = answer
                if answer.tables is not None:
                    self.rules = answer.tables.rules
        if missing:
            fresh = self._run([path for path, _ in missing])
            for path, key in missing:
                answer = fresh.get(path) or Answer(problem="the reader said nothing about it")
                self._memory[key] = answer
                self._to_disk(key, answer)
                answers[path] = answer
        return answers

    def live(self, descriptor, version, flags, start, post_commit_offset, abort, name):
        """The section a live ``rseq_cs`` descriptor (its words read from memory) stands for, as the
        Java side judges it (``rseqdbg section --json``: ways out, outcomes, exits not declared), or
        None when it is no section. One JVM per descriptor not asked before."""
        key = (descriptor, version, flags, start, post_commit_offset, abort)
        if key not in self._live:
            document = self._run_json(["section", "--json", "--descriptor", hex(descriptor), "--version", str(version),
                                       "--flags", str(flags), "--start", hex(start),
                                       "--post-commit-offset", hex(post_commit_offset), "--abort", hex(abort),
                                       "--name", name])
            self._live[key], self.rules = section_answer(document, descriptor)
        return self._live[key]

    def _run(self, paths):
        document = self._run_json(["table", "--json"] + paths)
        answers, self.rules = table_answers(document)
        return answers

    def _run_json(self, arguments):
        """The one JSON document ``rseqdbg ARGUMENTS`` prints, with the rules every answer carries."""
        command = java_command(self.java, self.jar) + arguments
        try:
            status, out, err = readerprocess.run(command, self.timeout, schema.MAX_DOCUMENT_BYTES)
        except readerprocess.ProcessError as e:
            raise ReaderError(str(e))
        self.jvm_runs += 1
        return reader_document(out, err, status, self.jar, arguments[0])

    def _key(self, path, build_id):
        """The file's identity: build-id when it has one; always size and mtime, which catch a rebuild."""
        st = os.stat(path)
        jar = os.stat(self.jar)
        text = "%s|%s|%d|%d|jar %d %d" % (build_id or "", os.path.realpath(path), st.st_size,
                                           st.st_mtime_ns, jar.st_size, jar.st_mtime_ns)
        return hashlib.sha256(text.encode()).hexdigest()

    def _from_disk(self, key):
        """The stored answer for ``key``, or None: an entry that does not parse, names another key or
        lies in a directory others may write is not trusted (the file is read again)."""
        if not self.cache_dir or not private_cache_dir(self.cache_dir, create=False):
            return None
        try:
            with open(os.path.join(self.cache_dir, key + ".json"), "rb", opener=_no_follow) as f:
                return cached_answer(f.read(schema.MAX_DOCUMENT_BYTES + 1), key)
        except OSError:
            return None

    def _to_disk(self, key, answer):
        if not self.cache_dir:
            return
        if answer.problem is not None:
            stored = {"key": key, "problem": answer.problem}
        else:
            stored = {"key": key, "entry": answer.raw, "rules": answer.rules}
        try:
            if not private_cache_dir(self.cache_dir, create=True):
                return
            fd, temporary = tempfile.mkstemp(dir=self.cache_dir, suffix=".tmp")
            with os.fdopen(fd, "w") as f:
                json.dump(stored, f)
            os.replace(temporary, os.path.join(self.cache_dir, key + ".json"))
        except OSError:
            pass  # a cache that cannot be written only costs a JVM start next time


def reader_document(out, err, status, jar, command):
    """The JSON object the reader wrote on ``out`` (bytes), or ReaderError: one line saying why."""
    if not out.strip():
        said = (err.strip().splitlines() or ["exit status %d" % status])[0]
        raise ReaderError("the reader failed: %s" % schema.one_line(said))
    try:
        document = schema.parse(out)
    except DocumentError as e:
        raise ReaderError("the reader's answer is not rseqdbg's JSON (%s)" % e)
    if "rules" not in document:
        raise ReaderError("%s is older than this bridge (its %s --json has no rules): rebuild it"
                          % (schema.one_line(jar), command))
    return document


def table_answers(document):
    """({file: Answer}, Rules) from table --json. A malformed entry is that file's problem; malformed rules
    or lists, everything's (ReaderError)."""
    try:
        rules = Rules.from_json(schema.field(document, "rules"))
        files = schema.items(document.get("files", []), "files")
        errors = schema.items(document.get("errors", []), "errors")
    except DocumentError as e:
        raise ReaderError("the reader's answer is not rseqdbg's JSON (%s)" % e)
    answers = {}
    for entry in files:
        file = entry.get("file") if isinstance(entry, dict) else None
        if not isinstance(file, str):
            continue  # it names no file asked about: nobody looks it up
        try:
            answers[file] = Answer(tables=FileTables.from_json(entry, document["rules"]), raw=entry,
                                   rules=document["rules"])
        except DocumentError as e:
            answers[file] = Answer(problem="the reader's answer for it is malformed (%s)" % e)
    for error in errors:
        file = error.get("file") if isinstance(error, dict) else None
        if isinstance(file, str):
            problem = error.get("problem")
            answers[file] = Answer(problem=schema.one_line(problem) if isinstance(problem, str) and problem
                                   else "the reader rejects it and says nothing why")
    return answers, rules


def section_answer(document, descriptor):
    """(CriticalSection or None, Rules) from section --json, or ReaderError."""
    try:
        rules = Rules.from_json(schema.field(document, "rules"))
        found = schema.field(document, "criticalSection")
        section = None if found is None else CriticalSection.from_json(found, "rseq_cs 0x%x (live)" % descriptor, rules)
    except DocumentError as e:
        raise ReaderError("the reader's answer is not rseqdbg's JSON (%s)" % e)
    return section, rules


def cached_answer(data, key):
    """The Answer stored in ``data`` (a cache file's bytes) for ``key``, or None: an entry that does not
    parse, is malformed or names another key is not trusted."""
    try:
        stored = schema.parse(data)
        if stored.get("key") != key:
            return None  # not this file's answer (renamed, copied, or written by an older bridge)
        if "problem" in stored:
            return Answer(problem=schema.text(stored["problem"], "problem"))
        return Answer(tables=FileTables.from_json(schema.field(stored, "entry"), schema.field(stored, "rules")),
                      raw=stored["entry"], rules=stored["rules"])
    except DocumentError:
        return None  # damaged: read the file again


def _no_follow(path, flags):
    return os.open(path, flags | os.O_NOFOLLOW)


def private_cache_dir(directory, create):
    """True when ``directory`` is ours alone (owned by this user, mode 0700), creating it (and its
    missing parents) so when ``create``. Answers in a directory others can write could be planted."""
    try:
        if create and not os.path.isdir(directory):
            parent = os.path.dirname(os.path.abspath(directory))
            if not os.path.isdir(parent):
                os.makedirs(parent, mode=0o700, exist_ok=True)
            os.makedirs(directory, mode=0o700, exist_ok=True)
        st = os.lstat(directory)
    except OSError:
        return False
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid():
        return False
    if st.st_mode & 0o077:
        if not create:
            return False
        try:
            os.chmod(directory, 0o700)  # ours, from an older bridge: make it private
        except OSError:
            return False
    return True


def default_cache_dir():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "rseqdbg", "gdb-tables")
