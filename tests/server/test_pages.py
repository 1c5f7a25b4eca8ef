"""The web app's files are served compressed to browsers that accept gzip, and intact to the others."""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from support.pwa import ensure_built

from alongside.server.app import create_app
from alongside.server.settings import Settings


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    ensure_built()
    with TestClient(create_app(Settings(data_dir=tmp_path))) as test_client:
        yield test_client


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
