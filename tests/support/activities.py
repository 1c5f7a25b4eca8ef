"""A small activities directory for the app's tests: the rows an admin imports (CSV) in the browser tests."""

from __future__ import annotations

import csv
import io

ACTIVITIES = [
    {
        "id": "walk",
        "name": "Riverside walking group",
        "description": "A gentle walk along the river, about an hour, then tea.",
        "when": "Thursdays 10:00",
        "days": "th",
        "where": "Library steps",
        "postcode": "CF10 1AA",
        "free": "yes",
        "accessibility": "Flat paths, benches on the way",
        "phone": "029 2000 0000",
        "email": "walks@example.org",
        "url": "https://example.org/walks",
        "languages": "en; cy",
        "tags": "walking; outdoors",
        "last_checked": "2026-11-02",
    },
    {
        "id": "choir",
        "name": "Côr y Cwm",
        "description": "Singing for everyone: no need to read music.",
        "when": "Wednesday evenings",
        "days": "we",
        "where": "Capel Bethel",
        "cost": "£2 a week",
        "accessibility": "Step-free entrance",
        "languages": "cy; en",
        "tags": "music",
    },
    {
        "id": "cafe",
        "name": "Repair café",
        "description": "Bring something broken; volunteers help you mend it.",
        "when": "First Saturday of the month",
        "days": "sa",
        "where": "Community hall",
        "free": "yes",
        "languages": "en; ar",
        "tags": "fixing; music",
    },
    {
        "id": "kitchen",
        "name": "Cooking together",
        "description": "Cook a meal with others and take some home.",
        "when": "Mondays 12:00",
        "days": "mo",
        "where": "Oak Street Centre",
        "cost": "£1",
        "languages": "ar; en",
        "tags": "cooking; food",
    },
]


def activities_csv() -> str:
    """The rows of :data:`ACTIVITIES` as the CSV file ``alongside admin activities import`` reads."""
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=sorted({name for row in ACTIVITIES for name in row}))
    writer.writeheader()
    writer.writerows(ACTIVITIES)
    return out.getvalue()
