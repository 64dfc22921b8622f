"""Pages of the bundled queries kept in the page cache (ccbkg.query.pages): the same bytes as
the page computed from the store, and never an answer of other project files."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pyoxigraph as ox
import pytest

from ccbkg.core.errors import CcbkgError
from ccbkg.project.layout import Project
from ccbkg.project.query_headers import QueryInfo
from ccbkg.query.catalogue import bind, catalogue
from ccbkg.query.entities import labels
from ccbkg.query.pages import PageCache, files_digest
from ccbkg.query.render import FORMATS, render
from ccbkg.query.run import Embedded, embedded_store, run_embedded
from tests.conftest import REPO, CliResult, assert_no_traceback, copy_sources, run_cli

LISTING = ["query", "run", "forums", "--limit", "4", "--offset", "6"]
NEXT = "ccbkg: more rows follow; the next page: ccbkg query run forums --limit 4 --offset 10"


@pytest.fixture(scope="module")
def embedded() -> Embedded:
    return embedded_store(REPO)


def _cli(*args: str, cache: Path, root: Path | None = None) -> CliResult:
    where = ["--root", str(root)] if root else []
    done = run_cli(*args, *where, env={"CCBKG_CACHE_DIR": str(cache), "COLUMNS": "400"})
    assert_no_traceback(done)
    assert done.code == 0, done.err
    return done


def _entries(cache: Path) -> list[Path]:
    return sorted((cache / "pages").glob("*.page"))


def test_the_files_digest_is_the_digest_of_what_was_loaded(embedded: Embedded) -> None:
    """The key of a page read before loading (the files hashed) is the key it was kept under
    (the loaded files hashed), or no page would ever be read back."""
    assert files_digest(Project.discover(REPO)) == embedded.digest


@pytest.mark.parametrize("info", catalogue(REPO), ids=lambda q: q.name)
def test_every_page_from_the_cache_is_the_page_from_the_store(
        embedded: Embedded, tmp_path: Path, info: QueryInfo) -> None:
    """For every bundled query with its defaults (the listing of every value where a parameter
    is optional): the first page, a middle one, the last and the one after it, kept on the
    first page asked and read back, render to the same bytes in every format as the page
    evaluated in the store (the child process the CLI uses), labels included."""
    cache = PageCache(tmp_path)
    bindings = bind(info, {})
    key = cache.key(embedded.digest, info.text, bindings)
    whole = run_embedded(embedded.store, info.text, bindings).rows
    size = 3
    last = (len(whole) - 1) // size * size
    first = run_embedded(embedded.store, info.text, bindings, limit=size, offset=last,
                         keep=(cache, key))
    assert first.rows == whole[last:last + size]
    for offset in sorted({0, len(whole) // 2, last, last + size}):
        page = cache.read(key, offset, size)
        assert page is not None, (info.name, offset)
        uncached = run_embedded(embedded.store, info.text, bindings, limit=size,
                                offset=offset, timeout=30)
        assert page.results == uncached
        for fmt in FORMATS:
            shown = labels(embedded.store, {t.value for row in uncached.rows for t in row
                                            if isinstance(t, ox.NamedNode)}) \
                if fmt in ("table", "md") else None
            kept = page.labels if fmt in ("table", "md") else None
            assert render(page.results, fmt, labels=kept) == \
                render(uncached, fmt, labels=shown), (info.name, offset, fmt)
    assert cache.read(key, 0, None) is not None
    assert cache.read(key, 0, None).results.rows == whole  # type: ignore[union-attr]


def test_a_page_is_kept_once_and_read_back_byte_for_byte(tmp_path: Path) -> None:
    """The first page asked keeps the listing; the second run reads it (an edit to the kept
    entry shows, so it is read, not computed again) and prints what --no-cache prints."""
    cache = tmp_path / "cache"
    for fmt in ("table", "csv"):
        computed = _cli(*LISTING, "--format", fmt, "--no-cache", cache=cache)
        assert fmt != "table" or not _entries(cache)
        missed = _cli(*LISTING, "--format", fmt, cache=cache)
        kept = _cli(*LISTING, "--format", fmt, cache=cache)
        assert missed.out == kept.out == computed.out, fmt
        assert computed.err.replace(" --no-cache", "") == missed.err == kept.err
        assert kept.err.replace(" --format csv", "") == NEXT + "\n"
    [entry] = _entries(cache)
    data = entry.read_bytes()
    assert b"North Atlantic Treaty Organization" in data
    entry.write_bytes(data.replace(b"North Atlantic Treaty Organization",
                                   b"North Atlantic Treaty Organizatiox"))
    assert "Organizatiox" in _cli(*LISTING, "--format", "csv", cache=cache).out
    assert "Organizatiox" not in _cli(*LISTING, "--format", "csv", "--no-cache",
                                      cache=cache).out


def test_a_changed_project_file_is_never_answered_from_the_kept_page(tmp_path: Path) -> None:
    """An edit of one byte of a data file, its size and times kept, and an edit of the query
    file itself, each give the page of the files as they are now."""
    root = copy_sources(tmp_path / "src")
    cache = tmp_path / "cache"
    before = _cli(*LISTING, "--format", "csv", cache=cache, root=root).out
    assert "North Atlantic Treaty Organization" in before
    edited = 0
    for path in sorted((root / "instances").rglob("*.ttl")):
        text = path.read_bytes()
        if b'"North Atlantic Treaty Organization"@en' in text:
            status = path.stat()
            path.write_bytes(text.replace(b'"North Atlantic Treaty Organization"@en',
                                          b'"North Atlantic Treaty Organizatiox"@en'))
            os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns))
            assert path.stat().st_size == status.st_size
            edited += 1
    assert edited
    after = _cli(*LISTING, "--format", "csv", cache=cache, root=root).out
    assert after == before.replace("North Atlantic Treaty Organization",
                                   "North Atlantic Treaty Organizatiox")
    query = root / "queries" / "forums.rq"
    query.write_text(query.read_text(encoding="utf-8").replace(
        "ORDER BY", "ORDER BY DESC(STR(?forumLabel))", 1), encoding="utf-8")
    reordered = _cli(*LISTING, "--format", "csv", cache=cache, root=root).out
    assert reordered == _cli(*LISTING, "--format", "csv", "--no-cache", cache=cache,
                             root=root).out
    assert reordered != after
    assert len(_entries(cache)) == 3


def test_the_page_of_a_bound_parameter_is_not_the_listings(tmp_path: Path) -> None:
    """The listing of every country and the rows of one country are kept apart."""
    cache = tmp_path / "cache"
    every = _cli(*LISTING, "--format", "csv", cache=cache).out
    one = _cli(*LISTING, "--format", "csv", "--param", "country=CAN", cache=cache).out
    assert one == _cli(*LISTING, "--format", "csv", "--param", "country=CAN", "--no-cache",
                       cache=cache).out
    assert one != every and "/country/CAN" in one


@pytest.mark.parametrize("damage", ["truncated", "garbage", "another entry", "empty"])
def test_a_damaged_entry_is_computed_again(embedded: Embedded, tmp_path: Path,
                                           damage: str) -> None:
    """An entry cut short, overwritten, empty, or another query's entry under this one's name
    is not read: the page is computed again (and kept again, whole)."""
    cache = PageCache(tmp_path)
    infos = {q.name: q for q in catalogue(REPO)}
    keys = {}
    for name in ("forums", "timeline"):
        bindings = bind(infos[name], {})
        keys[name] = cache.key(embedded.digest, infos[name].text, bindings)
        run_embedded(embedded.store, infos[name].text, bindings, limit=1, keep=(cache, keys[name]))
    entry = cache.path(keys["forums"])
    data = entry.read_bytes()
    if damage == "another entry":
        shutil.copyfile(cache.path(keys["timeline"]), entry)
    else:
        entry.write_bytes({"truncated": data[:-9], "garbage": b"x" * len(data),
                           "empty": b""}[damage])
    assert cache.read(keys["forums"], 0, 5) is None
    forums = infos["forums"]
    run_embedded(embedded.store, forums.text, bind(forums, {}), limit=1,
                 keep=(cache, keys["forums"]))
    assert entry.read_bytes() == data


def test_an_unusable_cache_folder_only_costs_time(tmp_path: Path) -> None:
    """When the cache folder cannot be made (a file is in the way), the page is computed and
    printed as without the cache, and nothing is written."""
    blocker = tmp_path / "cache"
    blocker.write_text("not a folder")
    done = _cli(*LISTING, "--format", "csv", cache=blocker)
    assert done.out == _cli(*LISTING, "--format", "csv", "--no-cache", cache=tmp_path).out
    assert blocker.read_text() == "not a folder"


def test_a_folder_others_may_write_to_is_not_used(embedded: Embedded, tmp_path: Path) -> None:
    """An answer planted in a cache folder that others may write to is not read, and nothing
    is kept there."""
    info = {q.name: q for q in catalogue(REPO)}["forums"]
    bindings = bind(info, {})
    cache = PageCache(tmp_path / "pages")
    key = cache.key(embedded.digest, info.text, bindings)
    run_embedded(embedded.store, info.text, bindings, limit=1, keep=(cache, key))
    assert cache.read(key, 0, 1) is not None
    cache.folder.chmod(0o777)
    assert cache.read(key, 0, 1) is None
    cache.path(key).unlink()
    run_embedded(embedded.store, info.text, bindings, limit=1, keep=(cache, key))
    assert not cache.path(key).exists()


def test_an_entry_that_is_not_a_regular_file_is_not_read(embedded: Embedded,
                                                        tmp_path: Path) -> None:
    """A FIFO (or a folder) where an entry's file would be is passed over at once, never
    waited on, and the answer is computed again."""
    info = {q.name: q for q in catalogue(REPO)}["forums"]
    bindings = bind(info, {})
    cache = PageCache(tmp_path / "pages")
    cache.folder.mkdir(mode=0o700)
    key = cache.key(embedded.digest, info.text, bindings)
    os.mkfifo(cache.path(key))
    found: list[object] = []
    reader = threading.Thread(target=lambda: found.append(cache.read(key, 0, 1)), daemon=True)
    reader.start()
    reader.join(10)
    assert not reader.is_alive() and found == [None], "the FIFO was waited on"
    cache.path(key).unlink()
    cache.path(key).mkdir()
    assert cache.read(key, 0, 1) is None


def test_a_page_stopped_at_the_deadline_leaves_nothing(embedded: Embedded, tmp_path: Path
                                                       ) -> None:
    """An answer stopped at the deadline while it was being kept (19 million rows, streamed)
    leaves no file behind, and no entry."""
    cache = PageCache(tmp_path)
    slow = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }"
    with pytest.raises(CcbkgError, match="no answer within"):
        run_embedded(embedded.store, slow, limit=1, timeout=1, keep=(cache, "k"))
    assert list(tmp_path.iterdir()) == []
