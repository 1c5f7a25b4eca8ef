"""The web app's files are served compressed to browsers that accept brotli or gzip, and intact to the others."""

from __future__ import annotations

import gzip
import json
import re
import subprocess

import pytest
from starlette.testclient import TestClient
from support.pwa import DIST


@pytest.fixture
def client(pages_client: TestClient) -> TestClient:
    return pages_client


def _script_path(client: TestClient) -> str:
    shell = client.get("/")
    assert shell.status_code == 200
    match = re.search(r'src="(/assets/app-[^"]+\.js)"', shell.text)
    assert match, shell.text
    return match.group(1)


def test_scripts_are_sent_gzipped_to_browsers_that_accept_it(client: TestClient) -> None:
    path = _script_path(client)
    plain = client.get(path, headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200
    assert "content-encoding" not in plain.headers
    assert plain.headers["vary"] == "Accept-Encoding"

    with client.stream("GET", path, headers={"Accept-Encoding": "gzip, deflate"}) as compressed:
        raw = b"".join(compressed.iter_raw())
        assert compressed.headers["content-encoding"] == "gzip"
        assert compressed.headers["content-type"].startswith("text/javascript")
        assert compressed.headers["cache-control"].startswith("public, max-age=31536000")
    assert len(raw) < len(plain.content) / 2
    assert gzip.decompress(raw) == plain.content


def test_gzip_refused_with_q_zero_gets_the_plain_file(client: TestClient) -> None:
    path = _script_path(client)
    response = client.get(path, headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "content-encoding" not in response.headers


def test_the_compressed_twins_are_not_addressable(client: TestClient) -> None:
    path = _script_path(client)
    assert client.get(path + ".gz").status_code == 404
    assert client.get(path + ".br").status_code == 404


def brotli_decompressed(data: bytes) -> bytes:
    """Node's brotli decoder (the one the build's encoder ships with): Python has none in its library."""
    script = "process.stdout.write(require('zlib').brotliDecompressSync(require('fs').readFileSync(0)))"
    return subprocess.run(["node", "-e", script], input=data, capture_output=True, check=True).stdout


def test_scripts_and_styles_are_sent_with_brotli_to_browsers_that_take_it(client: TestClient) -> None:
    assets = json.loads((DIST / "asset-manifest.json").read_text())
    for path in (assets["js"], assets["css"]):
        plain = client.get(path, headers={"Accept-Encoding": "identity"})
        with client.stream("GET", path, headers={"Accept-Encoding": "gzip, deflate, br, zstd"}) as compressed:
            raw = b"".join(compressed.iter_raw())
            assert compressed.headers["content-encoding"] == "br"
            assert compressed.headers["vary"] == "Accept-Encoding"
        gzipped = len(gzip.compress(plain.content, 9))
        assert len(raw) < gzipped, (len(raw), gzipped)
        assert brotli_decompressed(raw) == plain.content


def test_brotli_refused_with_q_zero_gets_gzip(client: TestClient) -> None:
    path = _script_path(client)
    with client.stream("GET", path, headers={"Accept-Encoding": "br;q=0, gzip"}) as compressed:
        assert compressed.headers["content-encoding"] == "gzip"
    with client.stream("GET", path, headers={"Accept-Encoding": "*"}) as compressed:
        assert compressed.headers["content-encoding"] == "br"


def test_every_code_split_chunk_is_precached_and_sent_gzipped(client: TestClient) -> None:
    # The QR decoder (and the other chunks loaded on first use) must work offline: the service worker
    # precaches every chunk the build wrote, and each has a gzip twin like the entry script.
    assets = json.loads((DIST / "asset-manifest.json").read_text())
    chunks = list(assets["chunks"])
    decoder = [contents for contents in assets["chunks"].values() if "jsqr" in contents["packages"]]
    assert [contents["loaded"] for contents in decoder] == ["on first use"]
    assert set(chunks) == {"/assets/" + p.name for p in (DIST / "assets").glob("chunk-*.js")}
    worker = client.get("/sw.js").text
    listed = re.search(r"const PRECACHE = (\[.*?\]);", worker)
    assert listed, worker
    precache = json.loads(listed.group(1))
    for chunk in chunks:
        assert chunk in precache
        with client.stream("GET", chunk, headers={"Accept-Encoding": "gzip"}) as compressed:
            raw = b"".join(compressed.iter_raw())
            assert compressed.headers["content-encoding"] == "gzip"
            assert compressed.headers["content-type"].startswith("text/javascript")
        assert gzip.decompress(raw) == client.get(chunk, headers={"Accept-Encoding": "identity"}).content


NAVIGATING = {"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}


def test_the_shell_preloads_the_chunks_imported_at_start_and_its_own_languages_catalog_only(client: TestClient) -> None:
    # Without the hints the browser finds these chunks only once the entry script is parsed: one more round
    # trip (two seconds on a slow 3G connection) before the first screen. The chunks loaded on first use
    # (the QR decoder, the exports) stay unfetched until they are needed.
    # Of the catalogs (each a chunk fetched when its language is chosen), only the page's own language's.
    assets = json.loads((DIST / "asset-manifest.json").read_text())
    at_start = {path for path, chunk in assets["chunks"].items() if chunk["loaded"] == "at start"}
    assert at_start, "the build names no chunk loaded at start"
    catalogs = {
        chunk["sources"][0].removeprefix("src/i18n/").removesuffix(".json"): path
        for path, chunk in assets["chunks"].items()
        if chunk["sources"]
        and all(source.startswith("src/i18n/") and source.endswith(".json") for source in chunk["sources"])
    }
    assert set(catalogs) == {"ar", "cy"}, catalogs  # English is in the entry script: every string falls back to it
    # PouchDB, which the first screens do not need, in a chunk of its own: preloaded by the shell the service
    # worker keeps (every later visit opens a database soon), not beside the first screen.
    soon = {path for path, chunk in assets["chunks"].items() if chunk["loaded"] == "soon after start"}
    assert ["pouchdb-browser" in assets["chunks"][path]["packages"] for path in soon] == [True]
    for accept, extra in (("en-GB,en;q=0.9", set()), ("ar", {catalogs["ar"]}), ("cy,en;q=0.5", {catalogs["cy"]})):
        shell = client.get("/", headers={"Accept-Language": accept}).text
        preloaded = set(re.findall(r'<link rel="modulepreload" href="([^"]+)">', shell))
        assert preloaded == at_start | soon | extra, accept
        first = client.get("/", headers={"Accept-Language": accept, **NAVIGATING}).text
        assert "data-first-screen" in first
        assert set(re.findall(r'<link rel="modulepreload" href="([^"]+)">', first)) == at_start | extra, accept


def test_the_shell_links_a_neutral_manifest_and_icon_that_name_no_alongside(client: TestClient) -> None:
    shell = client.get("/").text
    neutral = dict(re.findall(r'<link rel="([a-z-]+)" href="[^"]+"[^>]* data-neutral="([^"]+)"', shell))
    assert neutral["manifest"] == "/manifest-neutral.webmanifest"
    assert re.fullmatch(r"/assets/notes-icon-[0-9a-f]{10}\.svg", neutral["icon"])
    assert re.fullmatch(r"/assets/notes-icon-192-[0-9a-f]{10}\.png", neutral["apple-touch-icon"])
    response = client.get("/manifest-neutral.webmanifest")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/manifest+json")
    manifest = response.json()
    assert (manifest["name"], manifest["short_name"], manifest["start_url"]) == ("Notes", "Notes", "/")
    assert "alongside" not in response.text.lower()
    for icon in manifest["icons"]:
        assert "/notes-icon" in icon["src"]
        assert client.get(icon["src"]).status_code == 200
    icon_svg = client.get(neutral["icon"]).text
    assert "alongside" not in icon_svg.lower()
