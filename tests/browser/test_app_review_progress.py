"""Reviews and progress over time: three visits on two devices (the worker's tablet and the person's phone),
each a review of the plan ("Review the plan"): the goal's scale re-rated with the person's own words for 0 and
10 in view, readings given on the visit's date (three dates, without touching the clock), what has changed,
what helped, what got in the way and what next in someone's own words with who said it, then the read-back
and an agreed version linked to the review. The chart's x axis is time: the points' x coordinates are
proportional to the days between the readings, one series per participant, the agreed versions marked on the
axis; the progress summary says in plain words and in easy read how each rating moved; the difference between
the first and the last agreed versions lists what was added, changed and taken out. axe-core clean in English
and Arabic at 360 by 740 on the review's steps and the progress screen."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from support.devices import joined_device, worker_device
from support.processes import AlongsideServer
from support.pwa import (
    SCREENSHOTS,
    add_goal,
    add_strength,
    check_axe,
    invite,
    open_section,
    save,
    set_language,
    start_plan,
    wait_synced,
)

GOAL = "Back to college"
LOW = "I can't face the building"
HIGH = "Going every weekday"
STAYS = "I make people laugh"
CHANGES = "I cook for my family"
CHANGED = "I cook for my family and my neighbour"
GOES = "I fix bikes"
STEP = "Apply for the access course"
VISITS = ("2026-03-03", "2026-04-14", "2026-06-02")
# The size of an SVG shape, in the chart's own units.
BOX = "(e) => { const b = e.getBBox(); return [b.width, b.height]; }"


def review_goal(page: Page, day: str, readings: list[tuple[str, int]]) -> None:
    """On "Review the plan": the visit's date, then the (only) goal re-rated by each (name, value)."""
    page.get_by_label("The date of this visit").fill(day)
    page.get_by_role("button", name="Start the review").click()
    expect(page.get_by_role("heading", name="Goal 1 of 1")).to_be_focused()
    step = page.locator("[data-review-goal]")
    expect(step.locator(".review-goal")).to_have_text(GOAL)
    # The person's own words for 0 and 10 are in view while rating.
    expect(step.locator(".scale-ends")).to_contain_text(LOW)
    expect(step.locator(".scale-ends")).to_contain_text(HIGH)
    for count, (name, value) in enumerate(readings, start=1):
        expect(page.get_by_label("The day of this reading")).to_have_value(day)
        page.get_by_label("Who is rating").fill(name)
        page.get_by_role("radio", name=str(value), exact=True).check()
        page.get_by_role("button", name="Save the reading").click()
        expect(step.locator(".review-readings li")).to_have_count(count)
    expect(step.locator(".review-readings li")).to_have_text([f"{name}: {value} / 10" for name, value in readings])


def answer(page: Page, answers: dict[str, tuple[str, str]]) -> None:
    """The review's questions: {field: (words, who said it)}; then on to the read-back."""
    page.get_by_role("button", name="Next: what has changed").click()
    expect(page.get_by_role("heading", name="Looking back, looking ahead")).to_be_focused()
    for field, (words, who) in answers.items():
        question = page.locator(f"[data-question={field}]")
        question.get_by_label("What was said").fill(words)
        question.get_by_label("Who said it").fill(who)


def keep_reviewed_version(page: Page, number: int) -> None:
    """From the review's read-back: keep the version; it is version `number`."""
    page.get_by_role("button", name="Keep this version").click()
    page.get_by_role("link", name="See it").click()
    expect(page.get_by_role("heading", name=f"Version {number}")).to_be_visible()


def version_ids(page: Page, plan_id: str) -> dict[int, str]:
    open_section(page, plan_id, "versions")
    links = page.locator("a.card-link", has_text=re.compile(r"^Version \d+"))
    expect(links).to_have_count(3)
    ids = {}
    for link in links.all():
        number = int(re.search(r"Version (\d+)", link.inner_text()).group(1))  # type: ignore[union-attr]
        ids[number] = link.get_attribute("href").rsplit("/", 1)[1]  # type: ignore[union-attr]
    return ids


def days_between(a: str, b: str) -> int:
    return (date.fromisoformat(b) - date.fromisoformat(a)).days


def check_chart(page: Page) -> None:
    """The goal's chart on this screen: a time axis, Sam's and Ali's readings, the three versions marked."""
    chart = page.locator("figure.chart").first
    # A version whose review has not arrived yet is marked on the day it was kept (today), which stretches
    # the axis: wait until the axis ends on the last visit, as it does once every review is here.
    expect(chart).to_have_attribute("data-from", VISITS[0], timeout=30_000)
    expect(chart).to_have_attribute("data-to", VISITS[2], timeout=30_000)
    sam = chart.locator("[data-party=Sam] .point")
    ali = chart.locator("[data-party=Ali] .point")
    expect(sam).to_have_count(3)
    expect(ali).to_have_count(2)
    points = [
        (p.get_attribute("data-date"), p.get_attribute("data-value"), p.get_attribute("data-x")) for p in sam.all()
    ]
    assert [(d, v) for d, v, _ in points] == [(VISITS[0], "3"), (VISITS[1], "5"), (VISITS[2], "7")], points
    x = [float(x or "nan") for _, _, x in points]
    svg = chart.locator("svg")
    left = float(svg.get_attribute("data-plot-left") or "nan")
    width = float(svg.get_attribute("data-plot-width") or "nan")
    # Spacing proportional to time: 42 days of 91 put the second visit 42/91 of the way along the axis.
    assert x[0] == left and abs(x[2] - (left + width)) < 0.01, (x, left, width)
    share = days_between(VISITS[0], VISITS[1]) / days_between(VISITS[0], VISITS[2])
    assert abs((x[1] - x[0]) / (x[2] - x[0]) - share) < 0.001, (x, share)
    ali_x = [float(p.get_attribute("data-x") or "nan") for p in ali.all()]
    assert ali_x == [x[0], x[2]], ali_x
    # Each value's height: 0 at the bottom, 10 at the top, evenly.
    y = [float(p.get_attribute("data-y") or "nan") for p in sam.all()]
    assert abs((y[0] - y[1]) - (y[1] - y[2])) < 0.01 and y[0] > y[1] > y[2], y
    # Dated ticks, and the agreed versions on the axis at their reviews' dates.
    expect(chart.locator(".tick")).to_have_count(3)
    assert chart.locator(".tick").first.get_attribute("data-tick") == VISITS[0]
    marks = chart.locator(".version-mark")
    expect(marks).to_have_count(3)
    assert [m.get_attribute("data-date") for m in marks.all()] == list(VISITS)
    assert [float(m.get_attribute("data-x") or "nan") for m in marks.all()] == x
    expect(marks.locator("text")).to_have_text(["v1", "v2", "v3"])
    # One legend entry per participant, each with the same marker, the same size, as its points.
    legend = chart.locator(".legend [data-legend]")
    expect(legend).to_have_count(2)
    sizes = [m.evaluate(BOX) for m in chart.locator(".legend .key > :first-child").all()]
    point_sizes = [m.evaluate(BOX) for m in chart.locator(".point > :first-child").all()]
    assert len({tuple(s) for s in sizes + point_sizes}) == 1, (sizes, point_sizes)
    # The text alternative: every reading, dated, in a table.
    chart.locator("summary").click()
    expect(chart.locator("table tbody tr")).to_have_count(5)
    expect(chart.locator("table tbody tr").first).to_have_text(re.compile(r"3 March 2026\s*Sam\s*3"))
    expect(chart.locator(".chart-versions li")).to_have_text(
        ["Version 1 agreed: 3 March 2026", "Version 2 agreed: 14 April 2026", "Version 3 agreed: 2 June 2026"]
    )


# The review and the chart are the app's alone: one storage backend under the server is enough.
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_review_across_three_visits_on_two_devices_charts_progress_and_compares_versions(
    chromium: Browser, alongside_server: AlongsideServer
) -> None:
    url = alongside_server.url
    problems: dict[str, Any] = {}
    # bypass_csp: axe-core is put into the page as an inline script.
    tablet = worker_device(chromium, alongside_server, bypass_csp=True)
    plan_id = start_plan(tablet, "Sam")
    open_section(tablet, plan_id, "strengths")
    for text in (STAYS, CHANGES, GOES):
        add_strength(tablet, text)
    open_section(tablet, plan_id, "goals")
    add_goal(tablet, GOAL, low=LOW, high=HIGH)
    wait_synced(tablet)
    phone = joined_device(chromium, url, invite(tablet, plan_id), plan_id, bypass_csp=True)

    # Visit 1, on the worker's tablet: Sam and Ali rate the goal; Sam agrees the plan; version 1.
    tablet.goto(f"{url}/#/plan/{plan_id}")
    tablet.get_by_role("link", name="Review the plan").click()
    expect(tablet.get_by_role("heading", name="Review the plan")).to_be_visible()
    check_axe(tablet, "review: start", "en", problems)
    tablet.screenshot(path=str(SCREENSHOTS / "110-review-start.png"), full_page=True)
    review_goal(tablet, VISITS[0], [("Sam", 3), ("Ali", 4)])
    check_axe(tablet, "review: a goal", "en", problems)
    tablet.screenshot(path=str(SCREENSHOTS / "111-review-goal.png"), full_page=True)
    answer(
        tablet,
        {
            "changed": ("I started going to the library", "Sam"),
            "helped": ("My sister drove me there", "Sam"),
            "hindered": ("The bus times changed", "Ali"),
            "next": ("Look at the access course", "Sam"),
        },
    )
    check_axe(tablet, "review: what has changed", "en", problems)
    tablet.screenshot(path=str(SCREENSHOTS / "112-review-questions.png"), full_page=True)
    tablet.get_by_role("button", name="Save and read the plan back").click()
    expect(tablet.get_by_role("heading", name="Read back and agree")).to_be_visible()
    expect(tablet.locator(".review-banner")).to_have_text(
        "This read-back ends the review of 3 March 2026. Agree each part, then keep this version."
    )
    for button in tablet.get_by_role("button", name=re.compile(r"^Sam agrees")).all():
        button.click()
        expect(button).to_have_attribute("aria-pressed", "true")
    expect(tablet.get_by_text("4 of 4 agreed.", exact=True)).to_be_visible()
    tablet.screenshot(path=str(SCREENSHOTS / "113-review-read-back.png"), full_page=True)
    keep_reviewed_version(tablet, 1)
    wait_synced(tablet)

    # Visit 2, on Sam's phone: Sam sees last time's ratings, rates again, keeps version 2.
    open_section(phone, plan_id, "versions")
    expect(phone.get_by_role("link", name=re.compile("^Version"))).to_have_count(1, timeout=30_000)
    open_section(phone, plan_id, "review")
    review_goal(phone, VISITS[1], [("Sam", 5)])
    expect(phone.locator("[data-review-goal]")).to_contain_text("Sam: 3 / 10 (3 March 2026)")
    answer(phone, {"changed": ("I went to an open day", "Sam"), "next": ("Ask about a bursary", "Sam")})
    phone.get_by_role("button", name="Save and read the plan back").click()
    expect(phone.locator(".review-banner")).to_contain_text("14 April 2026")
    expect(phone.get_by_text("4 of 4 agreed.", exact=True)).to_be_visible()
    keep_reviewed_version(phone, 2)
    wait_synced(phone)

    # Visit 3, on the tablet: the plan moves on (a strength's words change, one goes, a step is added), a review.
    open_section(tablet, plan_id, "versions")
    expect(tablet.get_by_role("link", name=re.compile("^Version"))).to_have_count(2, timeout=30_000)
    open_section(tablet, plan_id, "strengths")
    card = tablet.locator("article.item", has=tablet.locator(".item-text", has_text=re.compile(f"^{CHANGES}$")))
    card.get_by_role("link", name=re.compile("^Change")).click()
    tablet.get_by_label("The strength").fill(CHANGED)
    save(tablet)
    gone = tablet.locator("article.item", has=tablet.locator(".item-text", has_text=re.compile(f"^{GOES}$")))
    gone.get_by_role("button", name="Delete", exact=True).click()
    gone.get_by_role("button", name="Yes, delete").click()
    expect(tablet.locator(".item-text", has_text=GOES)).to_have_count(0)
    open_section(tablet, plan_id, "steps")
    tablet.get_by_role("button", name="Add a step").click()
    tablet.get_by_label("What will happen").fill(STEP)
    save(tablet)
    open_section(tablet, plan_id, "review")
    review_goal(tablet, VISITS[2], [("Sam", 7), ("Ali", 6)])
    answer(tablet, {"helped": ("The library's quiet room", "Sam"), "next": (STEP, "Ali")})
    tablet.get_by_role("button", name="Save and read the plan back").click()
    for text in (CHANGED, STEP):
        tablet.get_by_role("button", name=re.compile(rf"^Sam agrees\W+{re.escape(text)}")).click()
    expect(tablet.get_by_text("4 of 4 agreed.", exact=True)).to_be_visible()
    keep_reviewed_version(tablet, 3)
    wait_synced(tablet)

    # Every review is listed with its date and the agreed version it ended with.
    open_section(tablet, plan_id, "review")
    reviews = tablet.locator(".earlier-reviews .review-head")
    expect(reviews).to_have_text(
        [
            "Review of 2 June 2026 · Version 3",
            "Review of 14 April 2026 · Version 2",
            "Review of 3 March 2026 · Version 1",
        ]
    )
    # What was said at each, in the words it was said in, with who said it.
    first_review = tablet.locator(".earlier-reviews li").nth(2)
    expect(first_review.locator("[data-answer]")).to_have_count(4)
    expect(first_review.locator("[data-answer=hindered]")).to_have_text(
        "What got in the way?The bus times changed — Ali"
    )
    expect(tablet.locator(".earlier-reviews li").nth(1).locator("[data-answer=changed]")).to_contain_text(
        "I went to an open day — Sam"
    )

    # On the phone, after sync: the chart on the goal's screen has a real time axis.
    phone.goto(f"{url}/#/plan/{plan_id}/goals")
    phone.get_by_role("link", name=re.compile("^Scale and readings")).click()
    expect(phone.locator("figure.chart .version-mark")).to_have_count(3, timeout=30_000)
    check_chart(phone)
    expect(phone.locator("[data-reading-date]")).to_have_text(
        ["3 March 2026", "3 March 2026", "14 April 2026", "2 June 2026", "2 June 2026"]
    )
    phone.screenshot(path=str(SCREENSHOTS / "116-goal-chart.png"), full_page=True)

    # The progress summary in plain words: on Sam's phone, Sam's ratings are "your rating".
    phone.goto(f"{url}/#/plan/{plan_id}")
    phone.get_by_role("link", name="Progress over time").click()
    expect(phone.get_by_role("heading", name="Progress over time")).to_be_visible()
    lines = phone.locator(".progress-lines li")
    expect(lines).to_have_text(
        [
            "Since 3 March 2026 your rating for “Back to college” went from 3 to 7.",
            "Since 3 March 2026 Ali's rating for “Back to college” went from 4 to 6.",
        ]
    )
    check_chart(phone)
    check_axe(phone, "progress", "en", problems)
    phone.screenshot(path=str(SCREENSHOTS / "114-progress.png"), full_page=True)
    # …and in easy read, with the goal's symbol.
    phone.get_by_label("Easy read: short sentences and pictures").check()
    expect(phone.get_by_role("heading", name="How am I doing?")).to_be_visible()
    expect(phone.locator(".progress-summary.easy [data-symbol=goals]")).to_have_count(1)
    expect(lines).to_have_text(
        [
            "On 3 March 2026 you said 3. Now you say 7. That is better.",
            "On 3 March 2026 Ali said 4. Now Ali says 6. That is better.",
        ]
    )
    check_axe(phone, "progress, easy read", "en", problems)
    phone.screenshot(path=str(SCREENSHOTS / "115-progress-easy-read.png"), full_page=True)
    # On the worker's tablet, Sam is named.
    open_section(tablet, plan_id, "progress")
    expect(tablet.locator(".progress-lines li").first).to_have_text(
        "Since 3 March 2026 Sam's rating for “Back to college” went from 3 to 7."
    )

    # Arabic, right to left: the review's steps and the progress screen.
    set_language(tablet, url, "ar", "العربية")
    open_section(tablet, plan_id, "review")
    check_axe(tablet, "review: start", "ar", problems)
    tablet.screenshot(path=str(SCREENSHOTS / "ar-110-review-start.png"), full_page=True)
    tablet.locator(".review-start button[type=submit]").click()
    expect(tablet.locator("[data-review-goal]")).to_be_visible()
    check_axe(tablet, "review: a goal", "ar", problems)
    tablet.locator(".review-nav button").first.click()
    expect(tablet.locator("[data-question=changed]")).to_be_visible()
    check_axe(tablet, "review: what has changed", "ar", problems)
    open_section(tablet, plan_id, "progress")
    expect(tablet.locator(".progress-lines li")).to_have_count(2)
    check_axe(tablet, "progress", "ar", problems)
    tablet.screenshot(path=str(SCREENSHOTS / "ar-114-progress.png"), full_page=True)
    set_language(phone, url, "ar", "العربية")
    phone.goto(f"{url}/#/plan/{plan_id}/progress")
    expect(phone.locator(".progress-summary.easy")).to_be_visible()
    check_axe(phone, "progress, easy read", "ar", problems)
    assert problems == {}, problems

    # The difference between the first and the last agreed versions (the compare screen).
    set_language(tablet, url, "en", "English")
    ids = version_ids(tablet, plan_id)
    assert sorted(ids) == [1, 2, 3], ids
    tablet.goto(f"{url}/#/plan/{plan_id}/compare/{ids[1]}..{ids[3]}")
    expect(tablet.get_by_role("heading", name="What changed between agreed versions")).to_be_visible()
    added = tablet.locator("[data-diff=added] li")
    changed = tablet.locator("[data-diff=changed] li")
    removed = tablet.locator("[data-diff=removed] li")
    expect(added).to_have_count(1)
    expect(added).to_contain_text(STEP)
    expect(changed).to_have_count(1)
    expect(changed).to_contain_text(CHANGES)
    expect(changed).to_contain_text(CHANGED)
    expect(removed).to_have_count(1)
    expect(removed).to_contain_text(GOES)
    phone.context.close()
    tablet.context.close()
