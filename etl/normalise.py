"""Normalisation for matching: printed USCCs repaired where unambiguous, enterprise names reduced to a key.

Codes (DESIGN: Identity and matching): a repair is made only when exactly one valid code can be read from
what was printed, and the repair is recorded (`repaired: letter O read as 0`). A wrong check character is
never repaired: any of the seventeen other characters may be the wrong one, and several single-character
corrections usually give valid codes, so the record is flagged and matched by name instead.

Names: NFKC, one kind of bracket, no spaces; the legal form (有限责任公司 = 有限公司) is split off; text after it
names a site (…有限公司海沧厂) or a branch (…有限公司嘉兴分公司: a branch keeps its own identity); region names in
front (浙江省嘉兴市…) or in brackets (…（南湖）…) become region hints. What is left is the core, compared by
the matcher. The rules are data: `normalise.yml` beside this module.
"""

from __future__ import annotations

import itertools
import pickle
import re
import sys
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from crawlers.helpers import uscc
from etl import regions

RULES: dict[str, Any] = yaml.safe_load((Path(__file__).with_suffix(".yml")).read_text(encoding="utf-8"))
_CODES = RULES["codes"]
_NAMES = RULES["names"]

_SUFFIX = re.compile(_CODES["suffix"])
_PERMIT = re.compile(_CODES["permit_number"])
_LOOKALIKES: dict[str, list[str]] = _CODES["lookalikes"]
_BRACKETS = str.maketrans(_NAMES["brackets"])
_DROP = re.compile(_NAMES["drop"])
_LEGAL_FORMS: dict[str, str] = _NAMES["legal_forms"]
_LEGAL = re.compile("|".join(map(re.escape, sorted(_LEGAL_FORMS, key=len, reverse=True))))
_BRANCH = re.compile("(" + "|".join(map(re.escape, _NAMES["branch_suffixes"])) + ")$")
_BRACKETED = re.compile(r"\(([^()]*)\)")
_PEOPLES = "|".join(sorted(_NAMES["peoples"], key=len, reverse=True))
_AUTONOMOUS = re.compile(rf"^(.+?)(?:(?:{_PEOPLES})族?)*自治(?:区|州|县|旗)$")
_REGION_SUFFIX = re.compile("(" + "|".join(map(re.escape, _NAMES["region_suffixes"])) + ")$")
_MIN_SHORT = int(_NAMES["min_short_length"])
_ORG_SHAPE = re.compile(r"^[0-9A-Z]{8}[0-9X]$")
_NOT_ENTERPRISES = [re.compile(p) for p in _NAMES["not_enterprises"]]

# code statuses
VALID, REPAIRED, ORG_CODE, INVALID, MASKED, EMPTY = "valid", "repaired", "org_code", "invalid", "masked", "empty"


@dataclass(frozen=True)
class CodeResult:
    """A code as printed, the code to match on (a USCC, or a 9-character organisation code), and why."""

    printed: str
    used: str | None
    status: str  # valid | repaired | org_code | invalid | masked | empty
    reason: str = ""
    candidates: tuple[str, ...] = ()  # valid codes one edit away, for a flagged code

    @property
    def uscc(self) -> str | None:
        return self.used if self.status in (VALID, REPAIRED) else None


def _repaired(printed: str, code: str, reason: str) -> CodeResult:
    return CodeResult(printed, code, REPAIRED, f"repaired: {reason}")


def _lookalike_readings(code: str) -> set[str]:
    slots = [_LOOKALIKES.get(ch, [ch]) for ch in code]
    if all(len(s) == 1 and s[0] == ch for s, ch in zip(slots, code, strict=True)):
        return set()
    return {r for r in ("".join(p) for p in itertools.product(*slots)) if uscc.is_valid(r)}


def _single_substitutions(code: str) -> tuple[str, ...]:
    if code.isascii():
        readings = [code[:i] + ch + code[i + 1:] for i, original in enumerate(code) for ch in uscc.ALPHABET
                    if ch != original]
        shaped = [r for r in readings if _WELL_FORMED.fullmatch(r)]
        return tuple(r for r, ok in zip(shaped, _checks_hold(shaped), strict=True) if ok)
    found = []
    for i, original in enumerate(code):
        for ch in uscc.ALPHABET:
            if ch != original and uscc.is_valid(candidate := code[:i] + ch + code[i + 1:]):
                found.append(candidate)
    return tuple(found)


# A code printed exactly as a USCC is written (ASCII, no spaces; position 17 ends the organisation code, so 0-9 or X)
# and not looking masked: `repair_code` gives `valid` for it exactly when both checks hold.
_WELL_FORMED = re.compile(r"[1-9ANY][1-59][0-9]{6}[0-9A-HJ-NP-RTUW-Y]{8}[0-9X][0-9A-HJ-NP-RTUW-Y]")
_USCC_VALUES = np.full(128, 0, dtype=np.int64)
_USCC_VALUES[[ord(ch) for ch in uscc.ALPHABET]] = np.arange(len(uscc.ALPHABET))
_ORG_VALUES = np.full(128, 0, dtype=np.int64)
_ORG_VALUES[[ord(ch) for ch in "0123456789"]] = np.arange(10)
_ORG_VALUES[[ord(ch) for ch in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"]] = np.arange(10, 36)  # GB 11714: A = 10
_ORG_CHECK = np.array([ord(ch) for ch in "0123456789X0"])  # 11 - total % 11, for 0..11: 10 is X, 11 is 0


def valid_codes(printed: Sequence[str | None]) -> np.ndarray:
    """True where `repair_code(code)` is `valid` with the code as printed, for well-formed codes (most of them),
    checked all at once; False means: ask `repair_code`."""
    shaped = [i for i, code in enumerate(printed)
              if code is not None and _WELL_FORMED.fullmatch(code) and "XXX" not in code[:17]]
    out = np.zeros(len(printed), dtype=bool)
    out[np.asarray(shaped, dtype=np.int64)] = _checks_hold([printed[i] for i in shaped])  # type: ignore[misc]
    return out


def _checks_hold(codes: list[str]) -> np.ndarray:
    """`uscc.is_valid` for codes matching `_WELL_FORMED`: the GB 32100 and GB 11714 check characters."""
    if not codes:
        return np.zeros(0, dtype=bool)
    chars = np.array(codes, dtype="<U18").view(np.uint32).reshape(-1, 18).astype(np.int64)
    total = (_USCC_VALUES[chars[:, :17]] * np.array(uscc._USCC_WEIGHTS)).sum(axis=1)
    uscc_ok = _USCC_VALUES[chars[:, 17]] == (31 - total % 31) % 31
    org_total = (_ORG_VALUES[chars[:, 8:16]] * np.array(uscc._ORG_WEIGHTS)).sum(axis=1)
    return uscc_ok & (_ORG_CHECK[11 - org_total % 11] == chars[:, 16])


def repair_code(printed: str | None) -> CodeResult:
    """Classify a printed code and repair it where exactly one valid reading exists. Never raises."""
    base = uscc.check(printed)
    printed = printed or ""
    if base.status != "invalid":
        return CodeResult(printed, base.code, base.status, base.reason)
    code = uscc.compact(printed)
    if uscc.is_valid_org_code(code):
        return CodeResult(printed, code, ORG_CODE, "old organisation code (GB 11714): positions 9-17 of a USCC")
    if (suffix := _SUFFIX.search(code)) and uscc.is_valid(code[:suffix.start()]):
        return _repaired(printed, code[:suffix.start()], f"running number {suffix.group()} after the code removed")
    if _PERMIT.match(code) and uscc.is_valid(code[:18]):
        return _repaired(printed, code[:18], "permit number printed (22 characters): its first 18 are the USCC")
    readings = _lookalike_readings(code)
    if len(readings) == 1:
        reading = next(iter(readings))
        swaps = ", ".join(sorted({f"letter {a} read as {b}" for a, b in zip(code, reading, strict=True) if a != b}))
        return _repaired(printed, reading, swaps)
    if len(readings) > 1:
        return CodeResult(printed, None, INVALID, f"look-alike letters allow {len(readings)} valid readings: "
                          "ambiguous, not repaired", tuple(sorted(readings)))
    if len(code) == 19:
        deletions = sorted({code[:i] + code[i + 1:] for i in range(19) if uscc.is_valid(code[:i] + code[i + 1:])})
        if len(deletions) == 1:
            i = next(i for i in range(19) if code[:i] + code[i + 1:] == deletions[0])
            return _repaired(printed, deletions[0], f"19 characters: only deleting the {code[i]} at position {i + 1} "
                             "gives a valid code")
        if deletions:
            return CodeResult(printed, None, INVALID, f"19 characters: {len(deletions)} deletions give valid codes: "
                              "ambiguous, not repaired", tuple(deletions))
    if len(code) > 19 and uscc.is_valid(code[:18]):
        return _repaired(printed, code[:18], f"{len(code)} characters: the first 18 are a valid code, "
                         f"{code[18:]} after it dropped")
    if len(code) == 9 and _ORG_SHAPE.match(code):
        return CodeResult(printed, None, INVALID, "organisation code (GB 11714) whose check character fails")
    if len(code) == 18 and base.reason in ("check character (GB 32100) fails",
                                            "organisation code check (GB 11714) fails"):
        candidates = _single_substitutions(code)
        return CodeResult(printed, None, INVALID, f"{base.reason}; {len(candidates)} single-character corrections "
                          "give valid codes: not repaired (which character is wrong is ambiguous)", candidates)
    return CodeResult(printed, None, INVALID, base.reason)


# ---------------------------------------------------------------------------------------------- regions


def short_name(name: str) -> str | None:
    """A division's name without its suffix (嘉兴市 → 嘉兴, 大通回族土族自治县 → 大通), or None."""
    if (auto := _AUTONOMOUS.match(name)) is not None:
        short = auto.group(1)
    elif (suffix := _REGION_SUFFIX.search(name)) is not None:
        short = name[:suffix.start()]
    else:
        return None
    return short if len(short) >= _MIN_SHORT and short != name else None


def level(code: str) -> int:
    """1 province, 2 city, 3 county."""
    return 1 if code[2:] == "0000" else 2 if code[4:] == "00" else 3


def _scope(code: str) -> str:
    return code[: 2 * level(code)]


@dataclass(frozen=True)
class RegionIndex:
    """Full and short names of every division → their codes."""

    full: dict[str, frozenset[str]]
    short: dict[str, frozenset[str]]
    longest: int
    names: frozenset[str] = frozenset()
    # the longest name starting with each two characters: `prefix` tries no longer slice (same answer, fewer tries)
    heads: dict[str, int] = field(default_factory=dict)
    # answers already given, by what they depend on: a few thousand, asked for millions of addresses and names
    looked_up: dict[tuple[str, frozenset[str], bool], frozenset[str]] = field(
        default_factory=dict, compare=False, repr=False)
    prefixes: dict[tuple[str, frozenset[str], bool], tuple[int, frozenset[str]]] = field(
        default_factory=dict, compare=False, repr=False)

    def lookup(self, text: str, parents: frozenset[str] = frozenset(), short_counties: bool = False) -> frozenset[str]:
        """Codes whose full name (or short name: provinces and cities, counties too with `short_counties`) is
        exactly `text`, nested under `parents` when given."""
        if (found := self.looked_up.get((text, parents, short_counties))) is None:
            found = self.looked_up[(text, parents, short_counties)] = self._lookup(text, parents, short_counties)
        return found

    def _lookup(self, text: str, parents: frozenset[str], short_counties: bool) -> frozenset[str]:
        found = set(self.full.get(text, ()))
        for code in self.short.get(text, ()):
            if short_counties or level(code) < 3:
                found.add(code)
        if parents:
            found = {c for c in found if any(c != p and c.startswith(_scope(p)) for p in parents)}
        return frozenset(found)

    def prefix(self, text: str, parents: frozenset[str] = frozenset(), keep: int = 2,
               short_counties: bool = False) -> tuple[int, frozenset[str]]:
        """The longest division name at the start of `text`, leaving at least `keep` characters: length, codes."""
        longest = min(self.heads.get(text[:2], 0), len(text) - keep)
        if longest < 2:
            return 0, frozenset()
        # the answer depends on the first `longest` characters only
        head = text[:longest]
        if (found := self.prefixes.get((head, parents, short_counties))) is None:
            found = self.prefixes[(head, parents, short_counties)] = self._prefix(head, parents, short_counties)
        return found

    def _prefix(self, text: str, parents: frozenset[str], short_counties: bool) -> tuple[int, frozenset[str]]:
        for n in range(len(text), 1, -1):
            if text[:n] in self.names and (codes := self.lookup(text[:n], parents, short_counties)):
                return n, codes
        return 0, frozenset()


@cache
def region_index() -> RegionIndex:
    ignored = set(_NAMES["ignored_regions"])
    full: dict[str, set[str]] = {}
    short: dict[str, set[str]] = {}
    for code, name in regions.table().items():
        if name in ignored or not name:
            continue
        full.setdefault(name, set()).add(code)
        if (s := short_name(name)) is not None and s not in ignored:
            short.setdefault(s, set()).add(code)
    in_use = regions.current()

    def prefer_current(codes: set[str]) -> frozenset[str]:
        return frozenset(codes & in_use or codes)

    names = frozenset(full) | frozenset(short)
    heads: dict[str, int] = {}
    for name in names:
        heads[name[:2]] = max(heads.get(name[:2], 0), len(name))
    return RegionIndex({k: prefer_current(v) for k, v in full.items()},
                       {k: prefer_current(v) for k, v in short.items()}, max(map(len, full)), names, heads)


def common_code(codes: frozenset[str] | set[str]) -> str | None:
    """The most specific division containing all `codes` (None when they lie in different provinces)."""
    if not codes:
        return None
    for width in (6, 4, 2):
        heads = {c[:width] for c in codes}
        if len(heads) == 1:
            return next(iter(heads)).ljust(6, "0")
    return None


def resolve_region(text: str | None) -> str | None:
    """The division a place text names, as precisely as it allows: `浙江省嘉兴市南湖区兴业路1号` → 330402,
    `辽宁-朝阳` → 211300, `灌云县经济开发区…` → 320723. None when nothing (or nothing unambiguous) is named."""
    if not text:
        return None
    index = region_index()
    rest = _DROP.sub("", unicodedata.normalize("NFKC", text)).replace("-", "")
    chosen: frozenset[str] = frozenset()
    while rest:
        n, codes = index.prefix(rest, chosen, keep=0, short_counties=bool(chosen))
        if not n:
            break
        chosen, rest = codes, rest[n:]
    return common_code(chosen)


def compatible(a: str, b: str) -> bool:
    """Whether two division codes can name the same place (one contains the other)."""
    if a[:2] != b[:2]:
        return False
    if a[2:4] == "00" or b[2:4] == "00":
        return True
    if a[2:4] != b[2:4]:
        return False
    return a[4:] == "00" or b[4:] == "00" or a == b


def any_compatible(a: frozenset[str] | set[str], b: frozenset[str] | set[str]) -> bool:
    """True when either side names no place, or some place of one contains some place of the other."""
    return not a or not b or any(compatible(x, y) for x in a for y in b)


# ------------------------------------------------------------------------------------------------ names


@dataclass(frozen=True)
class Name:
    original: str
    clean: str  # NFKC, round brackets, no spaces
    core: str  # what the matcher compares: no region, legal form, site or branch part
    legal_form: str | None = None  # canonical: 有限公司 | 股份有限公司 | 公司 | 集团公司
    branch: str | None = None  # for a branch (分公司): its own part, `嘉兴` in `X有限公司嘉兴分公司`
    site: str | None = None  # text after the legal form naming a site: `海沧厂`
    regions: frozenset[str] = field(default_factory=frozenset)  # division codes the name mentions

    @property
    def is_branch(self) -> bool:
        return self.branch is not None

    @property
    def key(self) -> str:
        """Exact-match key: the core, and the branch's own part for a branch."""
        return self.core if self.branch is None else f"{self.core}#{self.branch}分"


def is_enterprise_name(name: str | None) -> bool:
    """False for an empty name or one the rules say is not an enterprise's (an anonymised person)."""
    return is_enterprise_clean(clean(name or ""))


def is_enterprise_clean(text: str) -> bool:
    """`is_enterprise_name` of a name already cleaned (`Name.clean`)."""
    return bool(text) and not any(p.match(text) for p in _NOT_ENTERPRISES)


def code_region(printed: str | None) -> str | None:
    """The division code a (masked or invalid) printed USCC still shows at positions 3-8, if it is a known one."""
    code = uscc.compact(printed or "")
    return code[2:8] if len(code) == 18 and code[2:8] in regions.table() else None


def clean(name: str) -> str:
    return _DROP.sub("", unicodedata.normalize("NFKC", name).translate(_BRACKETS))


def _last_legal_form(text: str) -> re.Match[str] | None:
    """The last legal form in `text`: it ends the enterprise's name (a branch or site may follow)."""
    found = None
    for found in _LEGAL.finditer(text):  # noqa: B007
        pass
    return found


def normalise_name(name: str | None) -> Name:
    """Reduce an enterprise name to its core, legal form, branch, site and region hints."""
    original = name or ""
    text = cleaned = clean(original)
    branch = None
    if (suffix := _BRANCH.search(text)) is not None:
        body = text[:suffix.start()]
        last = _last_legal_form(body)
        if last is not None:
            branch, text = body[last.end():].strip("()"), body[:last.end()]
        else:
            branch, text = "", body
    legal = site = None
    last = _last_legal_form(text)
    if last is not None:
        legal = _LEGAL_FORMS[last.group()]
        site = text[last.end():].strip("()") or None
        text = text[:last.start()]
    core, hints = _strip_regions(text)
    if len(core) < 2:  # the name is (almost) only a place: keep it
        core = text.replace("(", "").replace(")", "")
    return Name(original, cleaned, core, legal, branch, site, hints)


def _strip_regions(text: str) -> tuple[str, frozenset[str]]:
    index = region_index()
    hints: set[str] = set()

    def bracket(match: re.Match[str]) -> str:
        content = match.group(1)
        if content in index.names and (codes := index.lookup(content, short_counties=True)):
            hints.update(codes)
            return ""
        return content

    if "(" in text:
        text = _BRACKETED.sub(bracket, text)
    parents: frozenset[str] = frozenset()
    while True:
        # a county's short name in front is kept: often a brand (衡阳永清环保 → 永清环保), and 嘉兴 诸城光大 must
        # normalise as 诸城光大 does
        n, codes = index.prefix(text, parents)
        if not n:
            break
        hints.update(codes)
        parents, text = codes, text[n:]
    return text.replace("(", "").replace(")", ""), frozenset(hints)


def resolve_regions() -> None:
    """The second process of `etl.match.read_distinct`: place texts pickled on stdin, `resolve_region` of each
    pickled to stdout. Imports only what normalising needs, to start quickly."""
    texts = pickle.load(sys.stdin.buffer)
    pickle.dump([resolve_region(t) for t in texts], sys.stdout.buffer, protocol=pickle.HIGHEST_PROTOCOL)
    sys.stdout.buffer.flush()
