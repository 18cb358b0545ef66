"""The replicas' synthetic world: valid identities, and the overlaps the sources must show."""

from __future__ import annotations

from crawlers.helpers import uscc
from crawlers.replay import world


def test_world_is_deterministic_and_valid() -> None:
    enterprises = world.enterprises()
    assert len(enterprises) == 50
    assert all(uscc.is_valid(e.uscc) for e in enterprises)
    assert len({e.uscc for e in enterprises}) == 50
    assert len({e.name for e in enterprises}) == 50
    assert enterprises[0].name == "南湖嘉昌再生能源有限公司"
    assert enterprises[0].uscc == "91330400MAJHTPQQ1T"


def test_permits_follow_hj_608() -> None:
    permits = [p for e in world.enterprises() for p in e.permits]
    assert len(permits) == 60
    for e in world.enterprises():
        for seq, p in enumerate(e.permits, 1):
            assert p.number[:18] == e.uscc and p.number[18:21] == f"{seq:03d}" and len(p.number) == 22
    assert sum(len(e.permits) == 2 for e in world.enterprises()) == 10


def test_sources_overlap() -> None:
    local = world.in_city(world.PENALTY_CITY)
    assert len(local) == 18
    assert sum(e.incineration for e in local) == 6
    assert len(world.plants()) == 34
    e00 = world.by_key("e00")
    assert e00.incineration and e00.city_code == world.PENALTY_CITY
    assert e00.name_in("incineration") == "南湖嘉昌再生能源（南湖）有限责任公司" != e00.name
