"""Name variants of the synthetic world's enterprises, as suppliers write them, for the screening parity test."""

from __future__ import annotations

from crawlers.replay import world


def _typo(core: str) -> str:
    """One character of the trade name replaced (the second-to-last before the industry word)."""
    i = max(2, len(core) - 5)
    return core[:i] + ("鑫" if core[i] != "鑫" else "泰") + core[i + 1:]


def variants() -> list[dict[str, str | None]]:
    """About forty rows (name, uscc, address, region) covering the variants the normaliser handles."""
    rows: list[dict[str, str | None]] = []
    es = world.enterprises()

    def add(name: str, uscc: str | None = None, region: str | None = None, address: str | None = None) -> None:
        rows.append({"name": name, "uscc": uscc, "address": address, "region": region})

    for e in es[:4]:
        core = e.name.removesuffix("有限公司")
        add(core + "有限责任公司", region=e.city)  # legal form spelled out
        add(e.province + e.city + e.name)  # region prefix, no region column
        add(core + "（" + e.city.removesuffix("市") + "）有限公司", region=e.province)  # full-width brackets
        add(_typo(core) + "有限公司", region=e.city)  # a typo
        add(e.name + e.city.removesuffix("市") + "分公司", region=e.city)  # a branch
    for e in es[30:36]:
        core = e.name.removesuffix("有限公司")
        add("　".join([core[:2], core[2:]]) + "有限公司", region=e.province + e.city)  # full-width space
        add(core.replace(core[2:4], "【" + core[2:4] + "】") + "有限公司", address=e.address)  # other brackets
    for e in es[36:40]:
        add("随便写的名字", uscc=e.uscc)  # the code decides
        add(e.name, uscc=e.uscc.replace("0", "O", 1) if "0" in e.uscc else e.uscc)  # look-alike letter
    add(es[40].name)  # no place at all: at best a candidate
    add("上海完全不同化工有限公司", region="上海市")  # nothing close
    add("ＡＢＣ环保科技有限公司", region="浙江省")  # full-width Latin letters, unknown
    return rows
