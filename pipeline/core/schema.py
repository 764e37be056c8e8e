"""The shape of every rules file, as pydantic models (checks.yaml: one model per check).
A file that does not fit is stopped when rules load, with one message naming file and key."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .problems import RAISED_IN
from .texts import t


class Model(BaseModel):
    """A rules file or part of one: no unknown key, never changed once loaded."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Agency(Model):
    code: str
    short: str
    name: str
    aliases: list[str] = []
    email: str
    pillars: list[str] = []
    offices: list[str] = []  # how its regional offices are named ("Polda", "Kanwil Kemenag"), in a partner column
    # a reporting unit is a K/L (agencies.yaml) or a regional government (regions.yaml, made into
    # an Agency by core/units.py): its level, and for a region its province's and own Kemendagri codes
    level: Literal["kl", "provinsi", "kabkota"] = "kl"
    province: str = ""
    regency: str = ""
    rad_pe: bool = False  # a region with a regional action plan (RAD PE)
    unit: str = ""  # the office that reports for a region (typically its Badan Kesbangpol)

    @property
    def regional(self) -> bool:
        return self.level != "kl"


class Action(Model):
    code: str
    title: str
    problem: str = ""
    output: str = ""
    indicator: str = ""
    unit: str = ""
    target: float | None = None  # for one reporting period (docs/angka.md, section 4)
    annual_target: float | None = None  # for the year, when not the periods' targets added (section 9)
    lead: list[str]
    support: list[str] = []


class Group(Model):
    code: str
    name: str
    groups: list[Group] = []
    actions: list[Action] = []


class CatalogueFile(Model):
    sample: bool = False
    title: str = ""
    levels: list[str]
    action_label: str = "Aksi"
    groups: list[Group]


FieldType = Literal["text", "url", "integer", "number", "money", "date", "code", "choice", "regency", "percent"]


class Column(Model):
    key: str
    label: str
    type: FieldType
    required: bool = False
    required_if: dict[str, list[str]] | None = None
    source: str | None = None
    within: str | None = None  # type regency: the column of the province its list narrows to
    min: float | None = None
    max: float | None = None
    max_length: int | None = None
    hint: str = ""
    width: float = 14
    input: bool = True
    content: bool = True
    formula: str | None = None


class IdentityItem(Model):
    key: str
    label: str
    type: FieldType
    aliases: list[str] = []  # labels of earlier templates, still read
    locked: bool = False
    required: bool = False
    source: str | None = None
    hint: str = ""


class FieldsFile(Model):
    columns: list[Column]
    identity: list[IdentityItem]


class Province(Model):
    name: str
    kemendagri: str
    bps: str
    aliases: list[str] = []


class SpecialPlace(Model):
    name: str
    aliases: list[str] = []
    domestic: bool = True  # false (abroad): a row's kab/kota there is any place, not one of the code list


class Regency(Model):
    """A kabupaten or kota of the official code list; its province is the first two digits of its code."""

    code: str
    name: str = Field(min_length=1)
    type: Literal["kabupaten", "kota"]
    aliases: list[str] = []

    @field_validator("code")
    @classmethod
    def _code_shape(cls, code: str) -> str:
        if not re.fullmatch(r"\d{2}\.\d{2}", code):
            raise ValueError(t("errors.regency_code_shape", code=code))
        return code

    @property
    def province(self) -> str:
        """The Kemendagri code of its province."""
        return self.code[:2]


class RegencySource(Model):
    """Where the code list comes from: the decree it follows and the licence it is under."""

    repository: str
    file: str
    commit: str
    decree: str
    licence: str


class RegenciesFile(Model):
    source: RegencySource
    prefixes: dict[Literal["kabupaten", "kota"], list[str]]  # how a typed name may begin, by type
    words: dict[str, str] = {}  # words written short inside a name, and what they stand for
    regencies: list[Regency]


class ProvincesFile(Model):
    provinces: list[Province]
    special: list[SpecialPlace] = []


class ChoiceList(Model):
    values: list[str]
    aliases: dict[str, str] = {}


class ListsFile(Model):
    lists: dict[str, ChoiceList]


class Deadline(Model):
    month: int
    day: int
    year_offset: int = 0


class PeriodKind(Model):
    label: str
    report: str = ""
    start: str
    end: str
    deadline: Deadline
    aliases: list[str] = []  # other ways a title names the kind ("Semester 1"), to tell a file's period


class PeriodsFile(Model):
    kinds: dict[str, PeriodKind]
    lateness_basis: Literal["tanggal_pengisian", "file_time"] = "tanggal_pengisian"
    deadline_overrides: dict[str, dt.date] = {}
    regions: dict[str, list[str]] = {}  # per period id, the regional governments called in (regions.yaml codes)


class Signature(Model):
    place: str = "Jakarta"
    title: str = ""  # the signatory's position, e.g. Ketua Sekretariat Bersama RAN PE
    name: str = ""  # empty: a dotted line to write the name by hand
    id: str = ""  # NIP or other official number, printed under the name when given
    sample: bool = False  # the shipped sample signatory: marks what is made CONTOH until replaced


class Settings(Model):
    secretariat: str
    organisation: str
    contact_email: str
    contact_phone: str = ""
    template_version: int
    min_template_version: int = 1
    open_rows: int = 200
    correction_days: int = Field(7, ge=1)  # a feedback workbook is due back this many days after it is made
    plan_start: dt.date
    plan_end: dt.date
    signature: Signature = Signature()  # the report's signature block
    timezone: str = "Asia/Jakarta"  # the secretariat's: the times shown (finalised, decided) are in it

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, zone: str) -> str:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(t("formatting.timezone_unknown", zone=zone)) from None
        return zone


class Limits(Model):
    max_file_mb: float = 50
    max_uncompressed_mb: float = 500
    max_compression_ratio: float = 200
    max_zip_entries: int = 2000
    max_rows: int = 100_000
    max_columns: int = 200
    seconds_per_file: float = 60
    worker_memory_mb: int = 1024
    workers: int = 0
    copy_window_seconds: float = 0  # a file changed this recently is looked at twice: still being copied?


# ---- checks.yaml: one model per check, named by `check`; implemented in intake/checks.py.
# Every text parameter names a column of fields.yaml (checked on load) but `check`, `code`
# and `detail`; a `code` must be one the catalogue lists as raised by checks.yaml.
CONFIGURABLE_CODES = RAISED_IN["rules/checks.yaml"]


class CheckParams(Model):
    """What every check of checks.yaml has: its name, and the columns it names."""

    check: str

    @field_validator("code", check_fields=False)
    @classmethod
    def _known_code(cls, code: str) -> str:
        if code not in CONFIGURABLE_CODES:
            raise ValueError(t("validate.rule_unknown_code", code=code, codes=", ".join(CONFIGURABLE_CODES)))
        return code

    def named_columns(self) -> list[str]:
        """The columns this check names."""
        named = []
        for key, value in self:
            if key in ("check", "code", "detail", "unit") or value is None:
                continue
            if isinstance(value, str):
                named.append(value)
            elif isinstance(value, list):
                named += [v for v in value if isinstance(v, str)]
            elif isinstance(value, dict):
                named += [*value, *(v for vs in value.values() for v in vs)]
        return named


class EndBeforeStart(CheckParams):
    check: Literal["end_before_start"]
    start: str
    end: str


class WithinPeriod(CheckParams):
    check: Literal["within_period"]
    start: str
    end: str


class AtMost(CheckParams):
    check: Literal["at_most"]
    code: str
    value: str
    limit: str
    share: float = 1.0
    detail: Literal["share", "limit"] | None = None  # what the message names; None: the share unless it is 1


class Requires(CheckParams):
    check: Literal["requires"]
    code: str
    when: str
    then: str


class Url(CheckParams):
    check: Literal["url"]
    column: str


class DuplicateRows(CheckParams):
    check: Literal["duplicate_rows"]
    ignore: list[str] = []
    at: str | None = None  # the column whose cell the problem points at; None: the sheet's first column


class AssignedAction(CheckParams):
    check: Literal["assigned_action"]
    column: str
    role: str | None = None  # the column of the agency's role, checked against the matrix


class Outlier(CheckParams):
    check: Literal["outlier"]
    columns: list[str]
    group_by: list[str] = []
    group_only_for: dict[str, list[str]] = {}  # a group_by column that groups only these columns
    threshold: float = 5.0
    min_ratio: float = 1.0
    min_group: int = 5


class FarAbove(CheckParams):
    """Where few agencies reported an action (the outlier check has little to compare with):
    `column` far above the row's own `target` (the row counted in `unit`), or above the
    largest value the agency reported for the action in earlier periods."""

    check: Literal["far_above"]
    column: str
    target: str
    unit_column: str
    unit: str  # a unit, not a column: the row's own (`unit_column`), else its action's
    factor: float = Field(5.0, gt=1)
    few_agencies: int = Field(3, ge=1)


class Twins(CheckParams):
    """One number typed into two `columns` of a row counted in `unit` (participants copied
    into Realisasi): when one is flagged for review, the other is flagged too."""

    check: Literal["twins"]
    columns: list[str] = Field(min_length=2)
    unit_column: str
    unit: str


CheckSpec = Annotated[
    EndBeforeStart | WithinPeriod | AtMost | Requires | Url | DuplicateRows | AssignedAction | Outlier | FarAbove
    | Twins,
    Field(discriminator="check"),
]  # fmt: skip


class OverlapWeights(Model):
    name: float
    regency: float
    dates: float
    target_group: float


class DuplicateRule(Model):
    min_name_similarity: float
    require_dates_overlap: bool = True
    require_same_regency: bool = True


class OverlapRule(Model):
    min_score: float
    max_gap_days: int
    max_partners: int = 3


class JointRule(Model):
    """A candidate joint activity: rows of two agencies starting at most `max_gap_days` apart
    in one regency (both named), one's `partner_column` naming the other's agency."""

    partner_column: str
    max_gap_days: int = Field(0, ge=0)


class RollupRule(Model):
    """A province's roll-up: a provincial government and one of its kab/kota governments
    reporting one event (one kab/kota, dates overlapping, names at least this alike): a
    likely duplicate, however differently the two levels name it."""

    min_name_similarity: float = Field(ge=0, le=100)


class BlockingRule(Model):
    """Rows that share the values of `by` (none blank) are candidate pairs; with
    `within_days`, only rows whose start dates are at most that many days apart."""

    by: list[str]
    within_days: int | None = None


class NameRules(Model):
    abbreviations: dict[str, str] = {}
    stopwords: list[str] = []
    batch_words: list[str] = []
    ordinals: dict[str, int] = {}


class OverlapFile(Model):
    blocking: list[BlockingRule]
    names: NameRules = NameRules()
    name_column: str
    scorer: Literal["ratio", "token_sort_ratio", "token_set_ratio", "partial_ratio", "WRatio", "QRatio"]
    weights: OverlapWeights
    duplicate: DuplicateRule
    overlap: OverlapRule
    joint: JointRule | None = None
    rollup: RollupRule | None = None


class ReviewFile(Model):
    codes: list[str] = []  # warning codes on an accepted row that wait for the secretariat's decision
    exclude_together: list[list[str]] = []  # columns excluded together when one of them is
    provisional_share: float = Field(0.05, ge=0, le=1)


class Findings(Model):
    low_achievement: float = Field(0.5, ge=0)
    named_actions: int = Field(3, ge=1)
    shared_obstacle_agencies: int = Field(3, ge=2)
    silent_periods: int = Field(2, ge=2)
    joint_pairs: int = Field(2, ge=1)


PUBLIC_SECTIONS = ("ringkasan", "pilar", "sasaran", "hambatan", "provinsi", "daerah", "kelengkapan", "temuan",
                   "lampiran_aksi")  # fmt: skip
NOT_PUBLIC = ("nama_petugas", "jabatan", "email", "telepon", "keterangan")  # never in the public edition


class Public(Model):
    """The public edition (laporan_publik_<period>) and its open data: what the secretariat
    publishes. Officers' names, NIPs, contact details and the review's internals are never
    in it, whatever this says."""

    sections: list[Literal[PUBLIC_SECTIONS]] = list(PUBLIC_SECTIONS)
    activity_columns: list[str] = []
    scanned_columns: list[str] = []  # free text searched for NIPs, e-mail addresses and phone numbers

    @field_validator("activity_columns")
    @classmethod
    def _never_private(cls, v: list[str]) -> list[str]:
        private = [c for c in v if c in NOT_PUBLIC]
        if private:
            raise ValueError(f"not public: {', '.join(private)}")
        if len(set(v)) != len(v):
            raise ValueError("a column is listed twice")
        return v


class ReportFile(Model):
    public: Public = Public()
    legal_basis: list[str] = []
    mean_units: list[str] = []  # rates: an action in one of them takes the mean of its rows, not the sum
    action_cap: float = Field(1.0, gt=0)  # each action's achievement capped at this in a pillar's mean
    findings: Findings = Findings()


class ChecksFile(Model):
    checks: list[CheckSpec]


class AgenciesFile(Model):
    agencies: list[Agency]


class Region(Model):
    """A regional government that reports (regions.yaml): PROV-<province code> or
    KABKOTA-<kab/kota code>, its Kemendagri code in the official list; its name, level and
    province come from that list."""

    code: str
    unit: str = ""  # the office that reports, e.g. Badan Kesatuan Bangsa dan Politik
    email: str
    rad_pe: bool = False
    actions: list[str] = []  # the RAN PE actions its RAD PE's actions are mapped to
    foci: list[str] = []  # or every action of these catalogue groups
    aliases: list[str] = []

    @field_validator("code")
    @classmethod
    def _code_shape(cls, code: str) -> str:
        if not re.fullmatch(r"PROV-\d{2}|KABKOTA-\d{2}\.\d{2}", code):
            raise ValueError(t("errors.region_code_shape", code=code))
        return code


class RegionsFile(Model):
    regions: list[Region] = []


class ObstacleTheme(Model):
    key: str  # its name in the outputs: templates/texts `obstacles.themes.<key>`, else `label`
    label: str = ""  # the name of a theme the secretariat adds (the texts name the shipped ones)
    phrases: list[str] = []  # whole words; "a|b": either; "a + b": both, anywhere in the text
    stems: list[str] = []  # a word beginning with one of them
    unless: list[str] = []  # phrases taken out of a text before this theme is looked for


class ObstaclesFile(Model):
    """rules/obstacles.yaml: the obstacle themes (analysis/obstacles.py)."""

    no_obstacle: list[str] = []  # a cell that is only one of these names no obstacle
    abbreviations: dict[str, str] = {}
    consequence: list[str] = []  # "X sehingga Y": Y is X's effect, themed only when X has no theme
    nothing: list[str] = []  # a sentence or piece beginning with one of these names no obstacle
    turns: list[str] = []  # words that begin a new piece of a sentence ("namun", "tetapi")
    fine: list[str] = []  # a sentence or piece with one of these and none of `trouble` names no obstacle
    trouble: list[str] = []
    not_typos: list[str] = []  # words a typo of a theme's word would look like, that are not
    group_stopwords: list[str] = []  # words left out when texts are compared for grouping
    group_score: float = Field(90, ge=50, le=100)  # two texts at least this alike (token sort ratio) are one obstacle
    themes: list[ObstacleTheme] = []

    @field_validator("themes")
    @classmethod
    def _unique(cls, themes: list[ObstacleTheme]) -> list[ObstacleTheme]:
        keys = [x.key for x in themes]
        if len(set(keys)) < len(keys):
            raise ValueError(t("errors.duplicate_keys", keys=", ".join(sorted({k for k in keys if keys.count(k) > 1}))))
        return themes


FILES: dict[str, type[Model]] = {
    "agencies.yaml": AgenciesFile,
    "regions.yaml": RegionsFile,
    "catalogue.yaml": CatalogueFile,
    "fields.yaml": FieldsFile,
    "provinces.yaml": ProvincesFile,
    "regencies.yaml": RegenciesFile,
    "lists.yaml": ListsFile,
    "periods.yaml": PeriodsFile,
    "settings.yaml": Settings,
    "limits.yaml": Limits,
    "checks.yaml": ChecksFile,
    "overlap.yaml": OverlapFile,
    "review.yaml": ReviewFile,
    "report.yaml": ReportFile,
    "obstacles.yaml": ObstaclesFile,
}
