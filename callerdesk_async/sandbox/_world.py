"""The seeded account: members, groups, DIDs and callers that every call row draws from.

Built once per (seed, sizes). Call rows only ever use these initial pools, so a row stays a
pure function of (seed, index) whatever the write endpoints later do to the live state.
"""

from __future__ import annotations

import random

import attrs

__all__ = ["CIRCLES", "Caller", "DeskPhone", "Group", "Member", "World", "build_world"]

_FIRST = (
    "Aarav",
    "Aditi",
    "Akash",
    "Ananya",
    "Arjun",
    "Deepak",
    "Divya",
    "Farhan",
    "Gaurav",
    "Ishaan",
    "Kavya",
    "Kiran",
    "Meera",
    "Neha",
    "Nikhil",
    "Pooja",
    "Priya",
    "Rahul",
    "Riya",
    "Rohan",
    "Sachin",
    "Sanjay",
    "Sneha",
    "Sunil",
    "Tanvi",
    "Varun",
    "Vikram",
    "Zoya",
)
_LAST = (
    "Agarwal",
    "Bansal",
    "Chopra",
    "Das",
    "Gupta",
    "Iyer",
    "Jain",
    "Kapoor",
    "Khan",
    "Kumar",
    "Mehta",
    "Menon",
    "Nair",
    "Patel",
    "Rao",
    "Reddy",
    "Saxena",
    "Sharma",
    "Singh",
    "Verma",
    "Yadav",
)
_GROUP_NAMES = (
    "Sales",
    "Support",
    "Billing",
    "Onboarding",
    "Renewals",
    "Escalations",
    "Partners",
    "Hindi",
)
CIRCLES = (
    "Delhi", "Mumbai", "Karnataka", "Tamil Nadu", "Maharashtra", "UP East", "UP West",
    "Gujarat", "Kolkata", "Rajasthan", "Kerala", "Punjab", "Andhra Pradesh", "West Bengal",
)  # fmt: skip
CALLER_POOL = 5000


@attrs.frozen
class DeskPhone:
    """A DID of the account."""

    did_id: int
    did_num: str
    deskphone: str


@attrs.frozen
class Group:
    """A call group and the DID it answers."""

    group_id: int
    group_name: str
    deskphone: DeskPhone
    extension: str
    call_strategy: int


@attrs.frozen
class Member:
    """A team member (agent)."""

    member_id: int
    member_name: str
    member_email: str
    member_num: str
    access: int
    group: int  # index into World.groups
    agent_extn: str


@attrs.frozen
class Caller:
    """A customer number that calls in; the first ``contacts`` callers are saved contacts."""

    num: str
    name: str
    circle: str
    contact_id: int | None
    blocked: bool


@attrs.frozen
class World:
    """The seeded account every part of the sandbox starts from."""

    seed: int
    deskphones: tuple[DeskPhone, ...]
    groups: tuple[Group, ...]
    members: tuple[Member, ...]
    callers: tuple[Caller, ...]
    contacts: int
    blocked: tuple[int, ...]  # caller indexes on the initial blacklist


def _mobile(rng: random.Random, used: set[str]) -> str:
    while True:
        num = "0" + str(rng.choice((6, 7, 8, 9))) + f"{rng.randrange(10**9):09d}"
        if num not in used:
            used.add(num)
            return num


def build_world(seed: int, *, members: int, groups: int, contacts: int) -> World:
    """Build the account for ``seed``; the same arguments always give the same world."""
    rng = random.Random(f"callerdesk-sandbox-world-{seed}")
    used: set[str] = set()
    desks = tuple(
        DeskPhone(did_id=101 + i, did_num=f"806{4100000 + rng.randrange(899999):07d}"[:10],
                  deskphone="")
        for i in range(3)
    )  # fmt: skip
    desks = tuple(attrs.evolve(d, deskphone="0" + d.did_num) for d in desks)
    group_list = tuple(
        Group(
            group_id=201 + i,
            group_name=_GROUP_NAMES[i % len(_GROUP_NAMES)]
            + ("" if i < len(_GROUP_NAMES) else f" {i // len(_GROUP_NAMES) + 1}"),
            deskphone=desks[i % len(desks)],
            extension=f"*{1000 + rng.randrange(9000)}",
            call_strategy=1 + rng.randrange(6),
        )
        for i in range(groups)
    )
    member_list = []
    for i in range(members):
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        member_list.append(
            Member(
                member_id=1001 + i,
                member_name=f"{first} {last}",
                member_email=f"{first.lower()}.{last.lower()}{i}@example.com",
                member_num=_mobile(rng, used),
                access=1 if i == 0 else (3 if i % 5 == 1 else 2),
                group=i % groups,
                agent_extn=str(100 + i),
            )
        )
    callers = []
    contacts = min(contacts, CALLER_POOL)
    blocked = tuple(CALLER_POOL - 1 - k for k in range(3))
    for i in range(CALLER_POOL):
        is_contact = i < contacts
        name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}" if is_contact else ""
        callers.append(
            Caller(
                num=_mobile(rng, used),
                name=name,
                circle=rng.choice(CIRCLES),
                contact_id=5001 + i if is_contact else None,
                blocked=i in blocked,
            )
        )
    return World(
        seed=seed,
        deskphones=desks,
        groups=group_list,
        members=tuple(member_list),
        callers=tuple(callers),
        contacts=contacts,
        blocked=blocked,
    )
