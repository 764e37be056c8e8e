"""Read a YAML file a person edits by hand, and when it is not valid, find the line they
most likely mistyped and the kind of mistake. PyYAML says where it gave up, in English:
for a missing colon that is the line after the mistake, for an unclosed quote it can be
many lines further. The kind names a hint under `errors.rules_yaml_hint` in the texts."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import yaml

_BREAK = re.compile(r"\r\n|[\n\r\x85\u2028\u2029]")  # what YAML counts as a line break
_CANNOT_START = re.compile(r"found character '(.+)' that cannot start any token")
# a scalar starts at the line's start (after indentation and list dashes), after "key: ",
# or inside [ ] and { } after the bracket or a comma; a quote there opens a quoted scalar
_SCALAR_START = re.compile(r"""(?:^[ \t]*(?:-[ \t]+)*|:[ \t]+|[\[{,][ \t]*)(["'])""")
_QUOTED = {'"': re.compile(r'(?:[^"\\]|\\.)*"'), "'": re.compile(r"(?:[^']|'')*'")}  # the rest up to the close
_COMMENT = re.compile(r"(?:^|\s)#")
_KEY = re.compile(r"^([ \t]*(?:-[ \t]+)?)[^#\s][^#]*?:(?:\s|$)")  # a line that starts with "key:"
_ITEM = re.compile(r"^[ \t]*-(?:\s|$)")
# contexts whose mark is a character YAML reserves (alias, anchor, tag, block scalar, directive)
_RESERVED = ("while scanning an alias", "while scanning an anchor", "while scanning a tag", "while scanning a block")


class DuplicateKey(yaml.MarkedYAMLError):
    """A key given twice in one mapping (PyYAML would keep the last one without a word)."""


class ImpossibleDate(yaml.MarkedYAMLError):
    """A date written as one (YYYY-MM-DD) that is not in the calendar."""


class _Checks:
    """What both loaders check beyond YAML itself."""

    def construct_mapping(self, node, deep=False):
        seen = {}
        for key, _ in node.value:
            if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
                first = seen.setdefault((key.tag, key.value), key.start_mark)
                if first is not key.start_mark:
                    problem = f"found duplicate key {key.value!r}"
                    raise DuplicateKey("first given", first, problem, key.start_mark)
        return super().construct_mapping(node, deep)

    def construct_impossible_date(self, node):
        """A date YAML recognises but the calendar has not (2026-13-01): PyYAML lets the
        ValueError out, without the line."""
        try:
            return self.construct_yaml_timestamp(node)
        except ValueError as exc:
            raise ImpossibleDate(None, None, str(exc), node.start_mark) from exc


class _Loader(_Checks, yaml.SafeLoader):
    """PyYAML's own, in Python: its messages are what `locate` reads."""


class _FastLoader(_Checks, getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """The same, parsed by libyaml where PyYAML was built with it (a catalogue listing
    hundreds of regional governments reads in a tenth of the time)."""


for _loader in (_Loader, _FastLoader):
    _loader.add_constructor("tag:yaml.org,2002:timestamp", _loader.construct_impossible_date)


def load(text: str):
    """The data of a YAML text, as yaml.safe_load, but a key given twice is an error. libyaml
    reads it where PyYAML would read it alike: never a text with a tab or a character PyYAML
    refuses (libyaml lets some through), and a text libyaml refuses is read again by PyYAML,
    so that the error is PyYAML's."""
    if "\t" not in text and not yaml.reader.Reader.NON_PRINTABLE.search(text):
        try:
            return yaml.load(text, Loader=_FastLoader)  # SafeLoaders: they build plain data only
        except yaml.YAMLError:
            pass
    return yaml.load(text, Loader=_Loader)


@dataclass(frozen=True)
class Typo:
    line: int  # 1-based, as a text editor numbers it
    kind: str  # a key of errors.rules_yaml_hint
    values: dict[str, str] = field(default_factory=dict)  # what the hint names
    text: str = ""  # the line itself


def locate(text: str, exc: yaml.YAMLError) -> Typo:
    """The line most likely mistyped and the kind of mistake behind `exc`, raised reading `text`."""
    lines = _BREAK.split(text)
    if isinstance(exc, yaml.reader.ReaderError):  # a control character, e.g. pasted from a PDF
        typo = Typo(len(_BREAK.split(text[: exc.position])), "character")
    else:
        typo = _diagnose(lines, exc)
    line = min(max(typo.line, 1), len(lines))
    while line > 1 and not _content(lines[line - 1]):  # a mark past the end or on a comment
        line -= 1
    return Typo(line, typo.kind, typo.values, lines[line - 1].rstrip())


def _diagnose(lines: list[str], exc: yaml.YAMLError) -> Typo:
    problem, context = getattr(exc, "problem", None) or "", getattr(exc, "context", None) or ""
    at, column = _mark(getattr(exc, "problem_mark", None))
    opened, opened_column = _mark(getattr(exc, "context_mark", None))
    if isinstance(exc, ImpossibleDate):
        return Typo(at, "date")
    if isinstance(exc, DuplicateKey):
        return Typo(at, "duplicate", {"key": lines[at - 1][column:].split(":")[0], "first": str(opened)})
    quote = _unclosed_quote(lines[: max(at, opened)])  # an open quote swallows the lines after it
    if quote:
        return quote
    if m := _CANNOT_START.search(problem):
        return Typo(at, "tab") if m[1] == "\\t" else Typo(at, "reserved", {"char": m[1]})
    if context.startswith(_RESERVED) and opened:
        return Typo(opened, "reserved", {"char": lines[opened - 1][opened_column : opened_column + 1]})
    if problem.startswith("found undefined alias"):
        return Typo(at, "reserved", {"char": "*"})
    if "could not determine a constructor for the tag" in problem:
        return Typo(at, "reserved", {"char": "!"})
    if "could not find expected ':'" in problem:
        return _no_colon(lines, opened or at)
    if "mapping values are not allowed" in problem:
        return _colon_too_many(lines, at, column)
    if problem.startswith("expected ',' or"):  # inside [ ] or { }
        bracket = problem[len("expected ',' or '")]
        return Typo(opened, "bracket", {"bracket": bracket}) if problem.endswith("':'") else Typo(at, "flow")
    if "found '-'" in problem:  # a dash where the line above has a key: an item among keys
        key = _KEY.match(_text_above(lines, at))
        return Typo(at, "dash_mixed" if key and len(key[1]) == column else "indent")
    if "<block mapping start>" in problem or "<block sequence start>" in problem:
        return Typo(at, "indent")
    if "found '<scalar>'" in problem:
        return Typo(at, "after_value")
    if context == "while scanning a quoted scalar":
        return Typo(opened, "quote", {"quote": lines[opened - 1][opened_column : opened_column + 1]})
    return Typo(at, "other")


def _mark(mark) -> tuple[int, int]:
    return (mark.line + 1, mark.column) if mark else (0, 0)


def _content(line: str) -> bool:
    return bool(line.strip()) and not line.lstrip().startswith("#")


def _above(lines: list[str], line: int) -> int:
    """The number of the nearest line above `line` that holds something (0: none)."""
    return next((n for n in range(line - 1, 0, -1) if _content(lines[n - 1])), 0)


def _text_above(lines: list[str], line: int) -> str:
    above = _above(lines, line)
    return lines[above - 1] if above else ""


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _unclosed_quote(lines: list[str]) -> Typo | None:
    """The first line with a quote that is not closed on it."""
    for number, line in enumerate(lines, start=1):
        if quote := _open_quote(line):
            return Typo(number, "quote", {"quote": quote})
    return None


def _open_quote(line: str) -> str | None:
    """The quote a scalar of `line` opens and the line does not close; or '"' where the
    double quotes outside a comment are odd in number ("a, "b" inside [ ])."""
    start = 0
    while scalar := _SCALAR_START.search(line, start):
        if _COMMENT.search(line, start, scalar.start(1)):
            return None
        close = _QUOTED[scalar[1]].match(line, scalar.end())
        if not close:
            return scalar[1]
        start = close.end()
    comment = _COMMENT.search(line, start)
    code = line[: comment.start()] if comment else line
    return '"' if len(re.findall(r'(?<!\\)"', code)) % 2 else None


def _no_colon(lines: list[str], line: int) -> Typo:
    """A plain line where a key was expected: a key without its colon, or a list item
    without its dash (or without the space after the dash)."""
    text, above = lines[line - 1], _text_above(lines, line)
    if re.match(r"^[ \t]*-[^\s-]", text):
        return Typo(line, "dash_space")
    if _ITEM.match(above) and _indent(above) == _indent(text):
        return Typo(line, "dash_missing")
    return Typo(line, "missing_colon")


def _colon_too_many(lines: list[str], line: int, column: int) -> Typo:
    """A colon where no key may start: inside a value ("a: b: c"), on a line indented
    deeper than the key above, or after a line whose key lost its colon."""
    above = _above(lines, line)
    if re.search(r":\s", lines[line - 1][:column]):
        return Typo(line, "colon_in_value")
    if above and not _KEY.match(lines[above - 1]):
        return Typo(above, "missing_colon")
    return Typo(line, "indent")


def line_of(text: str, path: tuple[str | int, ...]) -> int | None:
    """The line (1-based) of the value at `path` (keys and list positions, as pydantic's
    `loc`) in a YAML text that reads; where the path leaves the data (a key missing or
    mistyped), the line of the deepest part found. None when the text does not read."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    line = None
    for part in path:
        if node is None:
            break
        line = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == str(part)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
        else:
            node = None
    return node.start_mark.line + 1 if node is not None else line
