"""The ``/api/v1/activities`` contract (pydantic 2): the activity an admin sends, the stored activity, the signed
catalogue devices download, and the export. Each field says what it must be, as in :mod:`api_models`; the checks
a schema cannot say (a date that exists, lat and lon together) are :func:`activities.activity_record`'s."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, StringConstraints

from .activities import ACTIVITY_ID, DAYS, MAX_LIST, TEXT_LIMITS
from .api_models import NO_CONTROL_CHARACTERS, Model

Day = Literal["mo", "tu", "we", "th", "fr", "sa", "su"]
assert tuple(Day.__args__) == DAYS  # type: ignore[attr-defined]
Degrees = Annotated[
    str,
    StringConstraints(pattern=r"^(-?[0-9]{1,3}(\.[0-9]{1,7})?)?$"),
    Field(description="a decimal number of degrees as text, such as 51.4816, or empty"),
]
IsoDate = Annotated[str, StringConstraints(pattern=r"^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]


def _text(name: str, *, lines: bool = False) -> Any:
    pattern = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$" if lines else f"^{NO_CONTROL_CHARACTERS}$"
    return Annotated[
        str,
        StringConstraints(max_length=TEXT_LIMITS[name], pattern=pattern),
        Field(description=f"text of at most {TEXT_LIMITS[name]} characters"),
    ]


Words = Annotated[
    list[Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=f"^{NO_CONTROL_CHARACTERS}$")]],
    Field(max_length=MAX_LIST, description=f"a list of at most {MAX_LIST} words"),
]


class ActivityRequest(Model):
    """An activity as an admin adds or replaces it (the id is in the path)."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=TEXT_LIMITS["name"])] = Field(
        description=f"the activity's name: text of 1 to {TEXT_LIMITS['name']} characters"
    )
    description: _text("description", lines=True) = ""  # type: ignore[valid-type]
    when: _text("when") = ""  # type: ignore[valid-type]
    days: list[Day] = Field(default_factory=list, max_length=7, description="days of the week: mo, tu … su")
    where: _text("where") = ""  # type: ignore[valid-type]
    postcode: _text("postcode") = ""  # type: ignore[valid-type]
    lat: Degrees = ""
    lon: Degrees = ""
    cost: _text("cost") = ""  # type: ignore[valid-type]
    free: bool = Field(False, description="true or false: whether it costs nothing")
    accessibility: _text("accessibility", lines=True) = ""  # type: ignore[valid-type]
    phone: _text("phone") = ""  # type: ignore[valid-type]
    email: _text("email") = ""  # type: ignore[valid-type]
    url: _text("url") = ""  # type: ignore[valid-type]
    languages: Words = Field(default_factory=list)
    tags: Words = Field(default_factory=list)
    last_checked: IsoDate = Field("", description="the date it was last checked, YYYY-MM-DD, or empty")


class ActivityRecord(Model):
    """An activity as the server keeps it and devices receive it: every field present."""

    id: Annotated[str, StringConstraints(pattern=f"^{ACTIVITY_ID}$")]
    name: str
    description: str
    when: str
    days: list[Day]
    where: str
    postcode: str
    lat: str
    lon: str
    cost: str
    free: bool
    accessibility: str
    phone: str
    email: str
    url: str
    languages: list[str]
    tags: list[str]
    last_checked: str


class Catalogue(Model):
    v: Literal[1]
    org: str
    version: int = Field(ge=0, description="counts the changes to the organisation's activities")
    issued_at: int = Field(ge=0, description="the Unix time the server signed this copy")
    activities: list[ActivityRecord]


class SignedActivities(Model):
    """The catalogue signed by the organisation's catalogue key (docs/crypto.md §22)."""

    catalogue: Catalogue
    key: str = Field(description="the organisation's catalogue public key (base64url Ed25519)")
    sig: str = Field(description="the Ed25519 signature of the catalogue statement (base64url)")


class ActivitySaved(Model):
    activity: ActivityRecord
    version: int


class ActivityDeleted(Model):
    ok: bool
    id: str
    version: int


class ActivitiesExport(Model):
    """``format=json``: ``{v, org, version, activities}`` (what import reads back); ``format=hsds``: a page of HSDS
    3.0 services (``contents`` and the page fields); ``format=csv`` answers ``text/csv``."""

    model_config = ConfigDict(strict=True, frozen=True, extra="allow")
    v: int | None = None
    org: str | None = None
    version: int | None = None
    activities: list[ActivityRecord] | None = None
    total_items: int | None = None
    contents: list[dict[str, Any]] | None = None
