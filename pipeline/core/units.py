"""Reporting units: a K/L of agencies.yaml, or a regional government of regions.yaml made into
the same Agency record, its name, level and province taken from the official code list
(provinces.yaml, regencies.yaml), so that every step treats both alike."""

from __future__ import annotations

from .schema import Agency, ProvincesFile, RegenciesFile, Region
from .texts import t

LEVELS = ("kl", "provinsi", "kabkota")  # the order every per-level table follows


def place_code(code: str) -> str:
    """The Kemendagri code of a region's unit code: PROV-35 -> 35, KABKOTA-35.24 -> 35.24."""
    return code.split("-", 1)[1]


def region_agency(region: Region, provinces: ProvincesFile, regencies: RegenciesFile) -> Agency:
    """The Agency a region reports as. Raises KeyError when its code is not in the code list."""
    place = place_code(region.code)
    if region.code.startswith("PROV-"):
        province = next(p for p in provinces.provinces if p.kemendagri == place)
        level, name, short, regency = "provinsi", province.name, t("units.province_short", name=province.name), ""
        names = (province.name, *province.aliases)
        aliases = [t(f"units.province_alias.{k}", name=n) for k in ("pemprov", "pemda") for n in names]
    else:
        rg = next(r for r in regencies.regencies if r.code == place)
        bare = _bare(rg.name, regencies.prefixes[rg.type])
        level, name, short, regency = "kabkota", bare, rg.name, rg.code
        aliases = [t(f"units.{rg.type}_alias.{k}", name=n) for k in ("pem", "pemda") for n in (bare, *rg.aliases)]
    return Agency(
        code=region.code,
        short=short,
        name=t(f"units.name.{level}" if level == "provinsi" else f"units.name.{rg.type}", name=name),
        aliases=[*dict.fromkeys([*aliases, *region.aliases])],
        email=region.email,
        level=level,
        province=place[:2],
        regency=regency,
        rad_pe=region.rad_pe,
        unit=region.unit,
    )


def _bare(name: str, prefixes: list[str]) -> str:
    """'Kabupaten Lamongan' -> 'Lamongan' (the code list's own prefix of its type)."""
    for p in sorted(prefixes, key=len, reverse=True):
        if name.casefold().startswith(p.casefold() + " "):
            return name[len(p) + 1 :]
    return name


def unit_place(unit: Agency, rules) -> str:
    """Where a unit governs, as Identitas shows it: Nasional for a K/L, else its region with
    its Kemendagri code."""
    if not unit.regional:
        return t("units.national")
    province = rules.province_name(unit.province)
    if unit.level == "provinsi":
        return t("units.region", name=province, code=unit.province)
    return t("units.region_in", name=unit.short, province=province, code=unit.regency)
