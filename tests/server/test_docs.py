"""The documentation is checked against the code: docs/api.md names every API route, docs/security.md
quotes the headers the server sends, and the limits both pages state are the ones the code enforces."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from alongside.server import api_routes, security
from alongside.server.api_operations import openapi_document
from alongside.server.app import create_app
from alongside.server.settings import Settings

DOCS = Path(__file__).resolve().parents[2] / "docs"
API = (DOCS / "api.md").read_text(encoding="utf-8")
SECURITY = (DOCS / "security.md").read_text(encoding="utf-8")


def api_routes_of_the_app() -> list[tuple[str, str]]:
    app = create_app(Settings(data_dir=Path("unused")))  # routes only: storage opens in the lifespan
    found = []
    for route in app.routes:
        if isinstance(route, Route) and route.path.startswith("/api/v1/"):
            found += [(method, route.path) for method in sorted(route.methods or ()) if method != "HEAD"]
    return found


def test_api_md_names_every_api_route() -> None:
    routes = api_routes_of_the_app()
    assert len(routes) >= 13
    missing = [f"{method} {path}" for method, path in routes if f"`{method} {path}`" not in API]
    assert missing == [], "docs/api.md does not describe these routes"


def test_api_md_names_no_route_the_app_does_not_serve() -> None:
    served = {f"{method} {path}" for method, path in api_routes_of_the_app()}
    named = set(re.findall(r"`((?:GET|POST|PUT|DELETE) /api/v1/[^`\s]*)`", API))
    assert named - served == set()


def _api_md_fields_table() -> dict[str, tuple[str, str]]:
    """docs/api.md's table of fields (section 15): route → (request body cell, answer cell)."""
    rows = re.findall(r"^\| `((?:GET|POST|PUT|DELETE) /api/v1/[^`]*)` \| ([^|]*) \| ([^|]*) \|$", API, re.MULTILINE)
    return {route: (request.strip(), answer.strip()) for route, request, answer in rows}


def _named_fields(cell: str) -> set[str]:
    return set(re.findall(r"`([a-z_]+\??)`", cell))


def _model_fields(document: dict[str, Any], content: dict[str, Any]) -> set[str]:
    """A body's top-level fields as api.md writes them: ``name``, or ``name?`` when optional."""
    name = content["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    schema = document["components"]["schemas"][name]
    return {field if field in schema.get("required", ()) else f"{field}?" for field in schema["properties"]}


def test_api_md_names_the_fields_of_every_route_as_the_generated_document_declares_them() -> None:
    document = openapi_document()
    table = _api_md_fields_table()
    operations = {
        f"{method.upper()} {path}": operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
    }
    assert set(table) == {*operations, "GET /api/v1/openapi.json"}
    for route, operation in operations.items():
        request, answer = table[route]
        body = operation.get("requestBody")
        assert _named_fields(request) == (_model_fields(document, body["content"]) if body else set()), route
        success = [r for status, r in operation["responses"].items() if status.startswith("2")]
        answered = set().union(*(_model_fields(document, r["content"]) for r in success))
        assert _named_fields(answer) == answered, route


def test_the_openapi_document_is_generated_from_the_models_that_validate_requests(tmp_path: Path) -> None:
    """The served document is the generated one, and each request schema is the model the handler reads."""
    app = create_app(Settings(data_dir=tmp_path))
    with TestClient(app) as client:
        served = client.get("/api/v1/openapi.json").json()
    assert served == json.loads(json.dumps(openapi_document()))
    schemas = served["components"]["schemas"]
    assert schemas["RotationRequest"]["properties"]["kid"]["pattern"] == "^[0-9a-f]{16}$"
    assert schemas["RotationRequest"]["required"] == ["epoch", "kid"]


def test_security_md_quotes_the_headers_the_server_sends() -> None:
    assert f"`{security.CONTENT_SECURITY_POLICY}`" in SECURITY
    for name, value in [*security.HEADERS, security.HSTS]:
        row = re.search(rf"^\| `{re.escape(name.decode())}` \| `([^`]*)`", SECURITY, re.IGNORECASE | re.MULTILINE)
        assert row is not None, f"docs/security.md does not list {name.decode()}"
        assert row.group(1) == value.decode()


def test_security_md_lists_what_the_server_may_see() -> None:
    # docs/security.md §3 "What the server can see": plan ids, device ids, memberships, document ids and counts,
    # padded sizes, revision shapes, timing.
    for seen in ("plan ids", "device ids", "memberships", "document ids", "counts", "padded sizes", "revision shapes"):
        assert seen in SECURITY.lower(), seen
    for seen in ("timing", "key ids"):
        assert seen in SECURITY.lower(), seen
    for limit in ("What a device already holds cannot be recalled", "A short PIN only deters casual access"):
        assert limit in SECURITY


def test_cors_is_off_unless_the_documented_variable_is_set() -> None:
    assert "ALONGSIDE_CORS_ORIGINS" in SECURITY
    assert Settings.from_env({}).cors_origins == ()
    both = Settings.from_env({"ALONGSIDE_CORS_ORIGINS": "https://a.example, https://b.example"})
    assert both.cors_origins == ("https://a.example", "https://b.example")


@pytest.mark.parametrize("page", ["api.md", "security.md"])
def test_the_limits_the_docs_state_are_the_code_s(page: str) -> None:
    text = " ".join((DOCS / page).read_text(encoding="utf-8").split())  # sentences wrap across lines
    settings = Settings()
    minutes = int(settings.failure_window_seconds // 60)
    assert f"{settings.failure_limit} failed attempts within {minutes} minutes" in text
    assert f"{api_routes.MAX_INVITE_LIFETIME // (24 * 3600)} days" in text
    if page == "api.md":
        assert f"at most {api_routes.MAX_API_BODY // 1024} KiB" in text


@pytest.mark.parametrize("page", ["api.md", "security.md"])
def test_relative_links_resolve(page: str) -> None:
    text = (DOCS / page).read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", text):
        assert (DOCS / target).exists(), f"{page} links to {target}, which does not exist"


def test_the_readme_configuration_table_lists_exactly_the_variables_settings_reads() -> None:
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"^\|[^|]*\|[^|]*\| `(ALONGSIDE_[A-Z_]+)` \|", table, re.MULTILINE))
    flags = set(re.findall(r"`(--[a-z-]+)`", table))
    server_code = "".join(path.read_text(encoding="utf-8") for path in (DOCS.parent / "server").glob("*.py"))
    assert listed == set(Settings.variables())
    assert [flag for flag in sorted(flags) if f'"{flag}"' not in server_code] == []


def test_no_module_but_settings_reads_the_environment() -> None:
    readers = [
        path.name
        for path in sorted((DOCS.parent / "server").glob("*.py"))
        if re.search(r"os\.environ(?!\[\S+\] =)|os\.getenv", path.read_text(encoding="utf-8"))
    ]
    assert readers == ["settings.py"]


def test_the_defaults_in_the_readme_configuration_table_are_the_code_s() -> None:
    """Setting each variable to the default the table states changes nothing."""
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    checked = 0
    for variable, default in re.findall(r"^\|[^|]*\|[^|]*\| `(ALONGSIDE_[A-Z_]+)` \| `([^`]+)`", table, re.MULTILINE):
        assert Settings.from_env({variable: default}) == Settings(), f"{variable}: the README says {default}"
        checked += 1
    assert checked >= 20
