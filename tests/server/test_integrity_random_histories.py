"""No device shows an older version as current without a flag, whatever the history (issue 13, "Must show" 5).

Hypothesis draws random histories of a few items in a real plan on a real server: honest edits by the
worker's tablet and the person's phone with syncs in between, and, at random points, an ordinary member
replaying an earlier envelope (as a new revision, as an ordinary write, or as a longer branch), a signed
deletion by that member (who may not delete the person's items), and a hostile server (a proxy in front of
the real one, serving the phone and a read-only supporter) presenting an older version or a bare tombstone.

After every sync of an honest device, for every item it shows: the version shown is not older (an
ancestor, by the true history) than any version that device showed before, unless the item is flagged;
the device's memory never goes back. At the end, with the proxy honest again and everyone synced, no
device shows anything older than the last version an honest device wrote.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import hand_made
from support.hostile_proxy import HostileProxy
from support.plan_client import PlanDevice
from support.plan_world import Family, PlanWorld, family_plan
from support.processes import AlongsideServer

ITEMS = 2
HONEST = ("ali", "dee", "bo")

actions = st.lists(
    st.one_of(
        st.tuples(st.just("edit"), st.sampled_from(["ali", "dee"]), st.integers(0, ITEMS - 1)),
        st.tuples(st.just("sync"), st.sampled_from(["ali", "dee", "bo", "bo", "sam"])),
        st.tuples(st.just("sync"), st.sampled_from(["ali", "dee", "bo"])),
        st.tuples(
            st.just("replay"),
            st.sampled_from(["new_revision", "write_over", "branch", "server"]),
            st.integers(0, ITEMS - 1),
            st.integers(0, 7),
        ),
        st.tuples(st.just("remove"), st.sampled_from(["member", "server"]), st.integers(0, ITEMS - 1)),
    ),
    min_size=4,
    max_size=10,
)


class History:
    """The true history (every version any device opened) and what each honest device showed."""

    def __init__(self, family: Family) -> None:
        self.family = family
        self.shown: dict[tuple[str, str], list[str]] = {}  # (device, doc) -> version hashes shown, in order
        self.memory_n: dict[tuple[str, str], int] = {}
        self.last_written: dict[str, str] = {}  # doc -> the version an honest device wrote last

    def parents(self) -> dict[str, tuple[str, ...]]:
        out: dict[str, tuple[str, ...]] = {}
        for device in self.family.everyone:
            for versions in device.seen.values():
                for envelope in versions.values():
                    opened = device.open_copy(envelope)
                    out[opened.vh] = opened.prev
        return out

    def ancestors(self, vh: str) -> set[str]:
        parents, found, pending = self.parents(), set(), [vh]
        while pending:
            for parent in parents.get(pending.pop(), ()):
                if parent not in found:
                    found.add(parent)
                    pending.append(parent)
        return found

    async def check(self, device: PlanDevice) -> None:
        for doc_id, item in device.items().items():
            if item.body.get("type") in ("device", "admission"):
                continue
            earlier = self.shown.setdefault((device.name, doc_id), [])
            older = any(item.vh in self.ancestors(before) for before in earlier)
            assert not older or item.reports, (device.name, doc_id, "an older version shown without a flag")
            earlier.append(item.vh)
            memory, _ = await device.remembered(doc_id)
            if memory is not None:
                key = (device.name, doc_id)
                assert memory.n >= self.memory_n.get(key, 0), (device.name, doc_id, "memory went back")
                self.memory_n[key] = memory.n


async def run(server: AlongsideServer, proxy: HostileProxy, workdir: Path, steps: list[tuple[Any, ...]]) -> None:
    async with PlanWorld(server, workdir) as world:
        family = await family_plan(world, phone_url=proxy.url)
        devices = {"ali": family.ali, "dee": family.dee, "sam": family.sam, "bo": family.bo}
        history = History(family)
        # Every item starts with two versions everyone has seen, so that there is something to replay.
        items: list[str | None] = []
        for index in range(ITEMS):
            doc_id = await family.ali.create("strength", {"text": f"item {index}", "said_by": "Dee"})
            await family.sync(rounds=1)
            await family.dee.update(doc_id, {"text": f"item {index}, in Dee's words"})
            await family.sync(rounds=1)
            items.append(doc_id)
            history.last_written[doc_id] = family.dee.shown[doc_id].vh
        for number, step in enumerate(steps):
            kind = step[0]
            if kind == "edit":
                device, index = devices[step[1]], step[2]
                doc_id = items[index]
                if doc_id is None:
                    items[index] = doc_id = await device.create("strength", {"text": f"{step[1]} {number}"})
                elif doc_id in device.items():
                    await device.update(doc_id, {"text": f"{step[1]} {number}"})
                else:
                    continue
                history.last_written[doc_id] = device.shown[doc_id].vh
                await device.push()
            elif kind == "sync":
                await devices[step[1]].sync()
                if step[1] in HONEST:
                    await history.check(devices[step[1]])
            elif kind == "replay" and items[step[2]] is not None:
                doc_id = items[step[2]]
                assert doc_id is not None
                source = family.ali if step[1] == "server" else family.sam
                earlier = hand_made.earlier_envelopes(source, doc_id)
                if not earlier:
                    continue
                envelope = earlier[step[3] % len(earlier)]
                if step[1] == "server":
                    proxy.serve_older_version(family.ali.plan_id, doc_id, envelope)
                elif step[1] == "new_revision":
                    await hand_made.push_as_new_revision(family.sam, doc_id, envelope)
                elif step[1] == "write_over":
                    await hand_made.write_over(family.sam, doc_id, envelope)
                else:
                    await hand_made.push_as_branch(family.sam, doc_id, envelope)
            elif kind == "remove" and items[step[2]] is not None:
                doc_id = items[step[2]]
                assert doc_id is not None
                if step[1] == "server":
                    proxy.serve_bare_tombstone(family.ali.plan_id, doc_id)
                elif doc_id in family.sam.items():
                    await hand_made.signed_deletion(family.sam, doc_id)
                    await family.sam.push()

        # The server is honest again; everyone syncs: nothing older than the last honest version is shown.
        proxy.stop_rewriting()
        for _ in range(3):
            for name in HONEST:
                await devices[name].sync()
                await history.check(devices[name])
        for doc_id, last in history.last_written.items():
            for name in HONEST:
                item = devices[name].shown.get(doc_id)
                if item is not None:
                    assert item.vh == last or item.vh not in history.ancestors(last), (name, doc_id, "lost")


@settings(
    max_examples=4,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=actions)
def test_no_device_shows_an_older_version_as_current_without_a_flag(
    server: AlongsideServer, proxy: HostileProxy, tmp_path: Path, steps: list[tuple[Any, ...]]
) -> None:
    workdir = tmp_path / f"example-{len(list(tmp_path.iterdir()))}"
    asyncio.run(run(server, proxy, workdir, steps))
