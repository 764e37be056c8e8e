"""Load and check the rules/ folder (agencies, action catalogue, fields, provinces, the
kab/kota code list, lists, periods, settings, limits, checks, overlap) into one Rules
object with the lookups the steps need. The files' shapes are in schema.py; the checks
across files are here. Every problem stops start-up with one message naming file and key
(and the key's line where it can be told)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import yaml
from pydantic import ValidationError

from . import yaml_typos
from .errors import RanpeError
from .paths import DEFAULTS, rules_dir
from .problems import CODES, WARNING
from .schema import (
    FILES,
    Action,
    Agency,
    CatalogueFile,
    ChecksFile,
    Column,
    FieldsFile,
    Group,
    Limits,
    ListsFile,
    Model,
    ObstaclesFile,
    OverlapFile,
    PeriodsFile,
    ProvincesFile,
    RegenciesFile,
    Regency,
    RegionsFile,
    ReportFile,
    ReviewFile,
    Settings,
)
from .texts import has, t
from .units import place_code, region_agency

# reference data rather than the secretariat's settings: a workspace made before the file was
# shipped (so without a copy of its own) reads the shipped one; provinces_map.json is read by
# the map (outputs/maps.py) only, not with the rules
SHIPPED_IF_MISSING = frozenset({"regencies.yaml", "provinces_map.json", "obstacles.yaml"})
# files a workspace may lack: then empty (a workspace of an earlier version has no regional governments)
OPTIONAL = frozenset({"regions.yaml"})
_PLACEHOLDER = re.compile(r"(^|[.@])example(\.|$)", re.IGNORECASE)  # the names RFC 2606 reserves for examples


@dataclass(frozen=True)
class FlatAction:
    """One action with the chain of groups above it, outermost first."""

    action: Action
    path: tuple[tuple[str, str], ...]

    @property
    def code(self) -> str:
        return self.action.code


@dataclass(frozen=True)
class Rules:
    """The rules of a workspace. `agencies` are the reporting units: the K/L of agencies.yaml,
    then the regional governments of regions.yaml (core/units.py)."""

    folder: Path
    agencies: list[Agency]
    catalogue: CatalogueFile
    fields: FieldsFile
    provinces: ProvincesFile
    regencies: RegenciesFile
    lists: ListsFile
    periods: PeriodsFile
    settings: Settings
    limits: Limits
    checks: ChecksFile
    overlap: OverlapFile
    review: ReviewFile
    report: ReportFile
    obstacles: ObstaclesFile = field(default_factory=ObstaclesFile)
    regions: RegionsFile = field(default_factory=RegionsFile)
    digests: dict[str, str] = field(default_factory=dict)

    @cached_property
    def actions(self) -> list[FlatAction]:
        return list(_flatten(self.catalogue.groups, ()))

    @cached_property
    def sample_data(self) -> list[str]:
        """Why what is made from these rules would carry sample data (one line each, for the
        warning and the CONTOH marking); empty for the secretariat's real rules."""
        reasons = []
        if self.catalogue.sample:
            reasons.append(t("sample.catalogue", file=self.folder / "catalogue.yaml"))
        for regional, name in ((False, "agencies.yaml"), (True, "regions.yaml")):
            units = [a for a in self.agencies if a.regional == regional]
            fake = [a.short for a in units if _PLACEHOLDER.search(a.email)]
            if fake:
                reasons.append(t("sample.emails", n=len(fake), total=len(units), file=self.folder / name))
        settings = self.folder / "settings.yaml"
        if _PLACEHOLDER.search(self.settings.contact_email):
            reasons.append(t("sample.contact", email=self.settings.contact_email, file=settings))
        if sum(c in "123456789" for c in self.settings.contact_phone) <= 3:  # "(021) 0000-0000"
            reasons.append(t("sample.phone", phone=self.settings.contact_phone, file=settings))
        if self.settings.signature.sample:
            reasons.append(t("sample.signature", file=settings))
        return reasons

    @cached_property
    def stale_regions(self) -> list[str]:
        """The regions' action and focus codes that the catalogue no longer has (a new matrix
        imported since their RAD PE was mapped), one warning line each: their reports go on,
        with the actions that are left."""
        groups = {g for fa in self.actions for g, _ in fa.path}
        file = rules_file(self.folder, "regions.yaml")
        return [
            t(
                "errors.region_stale",
                file=file,
                code=r.code,
                codes=", ".join(gone),
                left=len(self.assigned_actions(r.code)),
            )
            for r in self.regions.regions
            if (gone := [c for c in r.actions if c not in self.action_by_code] + [c for c in r.foci if c not in groups])
        ]

    @cached_property
    def action_by_code(self) -> dict[str, FlatAction]:
        return {a.code: a for a in self.actions}

    @cached_property
    def agency_by_code(self) -> dict[str, Agency]:
        return {a.code: a for a in self.agencies}

    @cached_property
    def column_by_key(self) -> dict[str, Column]:
        return {c.key: c for c in self.fields.columns}

    @cached_property
    def action_key(self) -> str:
        """The key of the column holding the action code (the one column of type code)."""
        return next(c.key for c in self.fields.columns if c.type == "code")

    def get_agency(self, code: str) -> Agency:
        try:
            return self.agency_by_code[code.upper()]
        except KeyError:
            raise RanpeError(t("errors.agency_unknown", code=code)) from None

    def find_agencies(self, text: str) -> list[str]:
        """Codes of the agencies whose code, short name, full name or alias equals `text`
        (case- and space-insensitive). More than one code means the name is ambiguous."""
        want = " ".join(str(text).split()).casefold()
        return [a.code for a in self.agencies if want in {_fold(n) for n in (a.code, a.short, a.name, *a.aliases)}]

    def called_in(self, period_id: str) -> list[str]:
        """The regional governments called in for a period (periods.yaml `regions`), in rules
        order; for a year (its id a bare year), those called in for any of its periods."""
        ids = [period_id] if "-" in period_id else [f"{period_id}-{kind}" for kind in self.periods.kinds]
        wanted = {code for i in ids for code in self.periods.regions.get(i, ())}
        return [a.code for a in self.agencies if a.code in wanted]

    def expected(self, period_id: str) -> list[Agency]:
        """The units expected to report in a period: every K/L and the regions called in."""
        wanted = set(self.called_in(period_id))
        return [a for a in self.agencies if not a.regional or a.code in wanted]

    def province_name(self, code: str) -> str:
        """The name of a province by its Kemendagri code ("" when none)."""
        return next((p.name for p in self.provinces.provinces if p.kemendagri == code), "")

    def units(self, codes) -> list[Agency]:
        """The units of `codes` (e.g. a validation's agencies), in rules order."""
        return [a for a in self.agencies if a.code in codes]

    def assigned_actions(self, agency: str) -> list[tuple[FlatAction, str]]:
        """Actions an agency leads or supports, in catalogue order, with its role label."""
        return list(self._assigned.get(agency, ()))

    @cached_property
    def _assigned(self) -> dict[str, list[tuple[FlatAction, str]]]:
        """`assigned_actions` of every agency, worked out once (hundreds of regional
        governments may support every action)."""
        lead, support = self.lists.lists["peran"].values[:2]
        out: dict[str, list[tuple[FlatAction, str]]] = {}
        for fa in self.actions:
            for code, role in (dict.fromkeys(fa.action.support, support) | dict.fromkeys(fa.action.lead, lead)).items():
                out.setdefault(code, []).append((fa, role))
        for r in self.regions.regions:  # a region supports the national actions its RAD PE's are mapped to
            mine = set(r.actions)
            out[r.code] = [(fa, support) for fa in self.actions
                           if fa.code in mine or any(g in r.foci for g, _ in fa.path)]  # fmt: skip
        return out

    @cached_property
    def regencies_by_province(self) -> dict[str, list[Regency]]:
        """The kab/kota of each province (by Kemendagri code, in the order of provinces.yaml),
        each in the order of its code."""
        out: dict[str, list[Regency]] = {p.kemendagri: [] for p in self.provinces.provinces}
        for r in sorted(self.regencies.regencies, key=lambda r: r.code):
            out.setdefault(r.province, []).append(r)
        return out

    def choices(self, source: str) -> list[str]:
        """Allowed values of a `source` (catalogue, provinces, regencies or list:NAME), in display order."""
        if source == "catalogue":
            return [a.code for a in self.actions]
        if source == "provinces":
            return [p.name for p in self.provinces.provinces] + [s.name for s in self.provinces.special]
        if source == "regencies":
            return [r.name for rs in self.regencies_by_province.values() for r in rs]
        return list(self.lists.lists[source.removeprefix("list:")].values)

    def aliases(self, source: str) -> dict[str, str]:
        """Declared aliases of a source, keyed by their case-folded spelling."""
        if source == "provinces":
            places = [*self.provinces.provinces, *self.provinces.special]
            return {alias.casefold(): p.name for p in places for alias in p.aliases}
        if source.startswith("list:"):
            return {k.casefold(): v for k, v in self.lists.lists[source[5:]].aliases.items()}
        return {}

    @property
    def fields_hash(self) -> str:
        return self.digests["fields.yaml"]

    @property
    def rules_hash(self) -> str:
        joined = "".join(f"{k}:{v};" for k, v in sorted(self.digests.items()))
        return hashlib.sha256(joined.encode()).hexdigest()


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def _flatten(groups: list[Group], path: tuple[tuple[str, str], ...]):
    for g in groups:
        here = (*path, (g.code, g.name))
        for a in g.actions:
            yield FlatAction(a, here)
        yield from _flatten(g.groups, here)


def _pydantic_problem(err: dict) -> str:
    """What pydantic found, in the texts' words (its own English is shown with --debug)."""
    key = f"pydantic.{err['type']}"
    ctx = {k: str(v) for k, v in (err.get("ctx") or {}).items()}
    if "expected" in ctx:  # "'a', 'b' or 'c'": the choices, without the English "or"
        ctx["expected"] = ctx["expected"].replace("' or '", "', '")
    return t(key if has(key) else "pydantic.default", **ctx)


def _read(path: Path) -> object:
    """The data of one rules file; a typo stops with the line most likely mistyped and what to do."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:  # e.g. saved as ANSI by an old Notepad
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise RanpeError(t("errors.rules_encoding", file=path, line=line)) from exc
    try:
        return yaml_typos.load(text)
    except yaml.YAMLError as exc:
        typo = yaml_typos.locate(text, exc)
        hint = t(f"errors.rules_yaml_hint.{typo.kind}", **typo.values)
        raise RanpeError(t("errors.rules_yaml", file=path, line=typo.line, text=typo.text, hint=hint)) from exc


def rules_file(folder: Path, name: str) -> Path:
    """The file `name` of the rules in `folder`; for reference data (SHIPPED_IF_MISSING) the
    shipped copy when the folder has none."""
    path = folder / name
    shipped = DEFAULTS / "rules" / name
    return shipped if name in SHIPPED_IF_MISSING and not path.is_file() and shipped.is_file() else path


def load_file(folder: Path, name: str) -> tuple[Model, str]:
    """Parse and check one rules file; return the model and the digest of its content."""
    path = rules_file(folder, name)
    if not path.is_file() and name not in OPTIONAL:
        raise RanpeError(t("errors.rules_missing", file=path))
    data = _read(path) if path.is_file() else None
    try:
        model = FILES[name].model_validate(data if data is not None else {})
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"]) or t("errors.rules_root")
        problem = _pydantic_problem(err) + _at_line(path, err["loc"])
        raise RanpeError(t("errors.rules_invalid", file=path, key=key, problem=problem)) from exc
    canonical = json.dumps(model.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return model, hashlib.sha256(canonical.encode()).hexdigest()


def _at_line(path: Path, loc: tuple) -> str:
    """' (baris N)': the line of the file the key `loc` is on, or nothing when it cannot be told."""
    line = yaml_typos.line_of(path.read_text(encoding="utf-8"), tuple(loc))
    return t("errors.rules_line", line=line) if line else ""


def load_rules(folder: Path | str | None = None) -> Rules:
    """Load every rules file from `folder` (default: the project's rules/) and cross-check them."""
    folder = Path(folder) if folder else rules_dir()
    models, digests = {}, {}
    for name in FILES:
        models[name], digests[name] = load_file(folder, name)
    regions = models["regions.yaml"]
    rules = Rules(
        folder=folder,
        agencies=models["agencies.yaml"].agencies,
        catalogue=models["catalogue.yaml"],
        fields=models["fields.yaml"],
        provinces=models["provinces.yaml"],
        regencies=models["regencies.yaml"],
        lists=models["lists.yaml"],
        periods=models["periods.yaml"],
        settings=models["settings.yaml"],
        limits=models["limits.yaml"],
        checks=models["checks.yaml"],
        overlap=models["overlap.yaml"],
        review=models["review.yaml"],
        report=models["report.yaml"],
        obstacles=models["obstacles.yaml"],
        regions=regions,
        digests=digests,
    )
    _check_regencies(rules)  # the code list first: the regions are named and placed by it
    rules = dataclasses.replace(rules, agencies=[*rules.agencies, *_regional(regions, models, folder)])
    _cross_check(rules)
    return rules


def _regional(regions: RegionsFile, models: dict, folder: Path) -> list[Agency]:
    """The regions of regions.yaml as reporting units; a code not in the code list stops start-up."""
    out = []
    for i, r in enumerate(regions.regions):
        try:
            out.append(region_agency(r, models["provinces.yaml"], models["regencies.yaml"]))
        except StopIteration:
            level = t("units.level.provinsi" if r.code.startswith("PROV-") else "units.level.kabkota")
            _invalid(folder / "regions.yaml", ("regions", i), t("errors.region_unknown_place", code=r.code,
                     level=level.lower(), place=place_code(r.code)))  # fmt: skip
    return out


def _invalid(path: Path, loc: tuple, problem: str) -> None:
    key = ".".join(str(p) for p in loc)
    raise RanpeError(t("errors.rules_invalid", file=path, key=key, problem=problem + _at_line(path, loc)))


def _unique(file: Path, key: str, codes: list[str]) -> None:
    seen: set[str] = set()
    for code in codes:
        if code in seen:
            raise RanpeError(t("errors.rules_duplicate", file=file, key=key, code=code))
        seen.add(code)


def _cross_check(rules: Rules) -> None:
    f = rules.folder
    _unique(f / "agencies.yaml", "agencies.code", [a.code for a in rules.agencies if not a.regional])
    _unique(f / "regions.yaml", "regions.code", [r.code for r in rules.regions.regions])
    _unique(f / "catalogue.yaml", "actions.code", [a.code for a in rules.actions])
    _unique(f / "fields.yaml", "columns.key", [c.key for c in rules.fields.columns])
    _unique(f / "fields.yaml", "columns.label", [c.label for c in rules.fields.columns])
    public = rules.report.public
    known = {c.key for c in rules.fields.columns}
    for key in ("activity_columns", "scanned_columns"):
        for i, col in enumerate(getattr(public, key)):
            if col not in known:
                _invalid(f / "report.yaml", ("public", key, i), t("errors.rules_public_column", column=col))
    cat = f / "catalogue.yaml"
    depth = len(rules.catalogue.levels)
    for _i, fa in enumerate(rules.actions):
        key = f"actions[{fa.code}]"
        if len(fa.path) != depth:
            raise RanpeError(t("errors.rules_levels", file=cat, key=key, levels=", ".join(rules.catalogue.levels)))
        for role in ("lead", "support"):
            for code in getattr(fa.action, role):
                if code not in rules.agency_by_code:
                    raise RanpeError(t("errors.rules_unknown_agency", file=cat, key=f"{key}.{role}", code=code))
    codes = [c.key for c in rules.fields.columns if c.type == "code"]
    if len(codes) != 1:
        raise RanpeError(t("errors.rules_action_column", file=f / "fields.yaml", found=", ".join(codes) or "-"))
    _check_sources(rules)
    _check_regions(rules)
    _check_checks(rules)
    _check_review(rules)


def _check_sources(rules: Rules) -> None:
    fields = rules.folder / "fields.yaml"
    items = [("columns", c) for c in rules.fields.columns] + [("identity", i) for i in rules.fields.identity]
    for section, item in items:
        src = item.source
        if item.type in ("choice", "code") and not src:
            raise RanpeError(
                t("errors.rules_unknown_source", file=fields, key=f"{section}.{item.key}.source", source="-")
            )
        known = src in ("catalogue", "provinces", "regencies") or (src or "").removeprefix("list:") in rules.lists.lists
        if src and not known:
            raise RanpeError(
                t("errors.rules_unknown_source", file=fields, key=f"{section}.{item.key}.source", source=src)
            )
        if (item.type == "regency") != (src == "regencies"):  # the code list is read only as a regency
            raise RanpeError(
                t("errors.rules_unknown_source", file=fields, key=f"{section}.{item.key}.source", source=src or "-")
            )
    for col in rules.fields.columns:
        within = rules.column_by_key.get(col.within) if col.within else None
        if col.within and (col.type != "regency" or within is None or within.source != "provinces"):
            raise RanpeError(
                t("errors.rules_unknown_column", file=fields, key=f"columns.{col.key}.within", ref=col.within)
            )
        for ref in col.required_if or {}:
            if ref not in rules.column_by_key:
                raise RanpeError(
                    t("errors.rules_unknown_column", file=fields, key=f"columns.{col.key}.required_if", ref=ref)
                )


def _check_regencies(rules: Rules) -> None:
    """The code list agrees with itself and with provinces.yaml: codes unique, each of a
    province there, a kabupaten numbered 01-69 and a kota 71-99, its name begun as its type's."""
    path = rules_file(rules.folder, "regencies.yaml")
    provinces = {p.kemendagri for p in rules.provinces.provinces}
    prefixes = {kind: [_fold(p) + " " for p in ps] for kind, ps in rules.regencies.prefixes.items()}
    seen: set[str] = set()
    for i, r in enumerate(rules.regencies.regencies):
        number = int(r.code[3:])
        if r.code in seen:
            problem = t("errors.regency_duplicate", code=r.code)
        elif r.province not in provinces:
            problem = t("errors.regency_province", code=r.code, province=r.province)
        elif not (1 <= number <= 69 if r.type == "kabupaten" else 71 <= number <= 99):
            problem = t("errors.regency_number", code=r.code, type=r.type)
        elif not any(_fold(r.name).startswith(p) for p in prefixes.get(r.type, [])):
            problem = t("errors.regency_name", name=r.name, type=r.type)
        else:
            seen.add(r.code)
            continue
        problem += _at_line(path, ("regencies", i))
        raise RanpeError(t("errors.rules_invalid", file=path, key=f"regencies.{i}", problem=problem))


def _check_regions(rules: Rules) -> None:
    """Each region says what it reports on; the regions a period calls in are listed in
    regions.yaml. (Codes no longer in the catalogue, after a new matrix is imported, are
    warned of: Rules.stale_regions.)"""
    path = rules.folder / "regions.yaml"
    for i, r in enumerate(rules.regions.regions):
        if not r.actions and not r.foci:
            _invalid(path, ("regions", i), t("errors.region_no_actions", code=r.code))
    listed = {r.code for r in rules.regions.regions}
    for period, codes in rules.periods.regions.items():
        for j, code in enumerate(codes):
            if code not in listed:
                problem = t("errors.region_not_listed", code=code)
                _invalid(rules.folder / "periods.yaml", ("regions", period, j), problem)


def _check_checks(rules: Rules) -> None:
    """Every column a check of checks.yaml names is a column of fields.yaml."""
    keys = set(rules.column_by_key)
    for i, spec in enumerate(rules.checks.checks):
        for col in spec.named_columns():
            if col not in keys:
                problem = t("validate.rule_unknown_column", column=col)
                raise RanpeError(
                    t("errors.rules_invalid", file=rules.folder / "checks.yaml", key=f"checks.{i}", problem=problem)
                )


def _check_review(rules: Rules) -> None:
    """The codes of review.yaml are warnings of the catalogue; its columns are of fields.yaml."""
    path = rules.folder / "review.yaml"
    for i, code in enumerate(rules.review.codes):
        if CODES.get(code) != WARNING:
            problem = t("errors.review_code", code=code)
            raise RanpeError(t("errors.rules_invalid", file=path, key=f"codes.{i}", problem=problem))
    for i, group in enumerate(rules.review.exclude_together):
        for col in group:
            if col not in rules.column_by_key:
                problem = t("validate.rule_unknown_column", column=col)
                raise RanpeError(t("errors.rules_invalid", file=path, key=f"exclude_together.{i}", problem=problem))
