"""``fields=`` parsing with Graph field expansion (DOMAIN §7.2).

Grammar: ``field(,field)*`` where ``field = name(.modifier(arg))*({fields})?``, e.g.
``id,name,owned_ad_accounts.limit(100){id,name,assigned_users.limit(5){id}}``.
A syntax error answers Meta's 2500 "error parsing graph query".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import GraphError


@dataclass
class FieldSpec:
    name: str
    modifiers: dict[str, str] = field(default_factory=dict)
    children: list[FieldSpec] | None = None

    def serialize(self) -> str:
        text = self.name + "".join(f".{k}({v})" for k, v in self.modifiers.items())
        if self.children is not None:
            text += "{" + serialize(self.children) + "}"
        return text


def serialize(specs: list[FieldSpec]) -> str:
    return ",".join(s.serialize() for s in specs)


def _syntax(text: str, pos: int) -> GraphError:
    return GraphError(
        2500,
        f'Syntax error "Expected end of string instead of "{text[pos : pos + 10]}"." at character {pos}: {text}',
    )


def parse(text: str | None) -> list[FieldSpec] | None:
    """None when no ``fields`` were given (the node's default fields apply)."""
    if text is None or text.strip() == "":
        return None
    specs, pos = _parse_list(text, 0)
    if pos != len(text):
        raise _syntax(text, pos)
    return specs


def _skip_ws(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\n":
        pos += 1
    return pos


def _parse_list(text: str, pos: int) -> tuple[list[FieldSpec], int]:
    specs: list[FieldSpec] = []
    while True:
        pos = _skip_ws(text, pos)
        spec, pos = _parse_field(text, pos)
        specs.append(spec)
        pos = _skip_ws(text, pos)
        if pos < len(text) and text[pos] == ",":
            pos += 1
            continue
        return specs, pos


def _parse_name(text: str, pos: int) -> tuple[str, int]:
    start = pos
    while pos < len(text) and (text[pos].isalnum() or text[pos] in "_"):
        pos += 1
    if pos == start:
        raise _syntax(text, pos)
    return text[start:pos], pos


def _parse_field(text: str, pos: int) -> tuple[FieldSpec, int]:
    name, pos = _parse_name(text, pos)
    spec = FieldSpec(name)
    while pos < len(text) and text[pos] == ".":
        mod, pos = _parse_name(text, pos + 1)
        if pos >= len(text) or text[pos] != "(":
            raise _syntax(text, pos)
        end = text.find(")", pos)
        if end < 0:
            raise _syntax(text, pos)
        spec.modifiers[mod] = text[pos + 1 : end]
        pos = end + 1
    if pos < len(text) and text[pos] == "{":
        children, pos = _parse_list(text, pos + 1)
        pos = _skip_ws(text, pos)
        if pos >= len(text) or text[pos] != "}":
            raise _syntax(text, pos)
        spec.children = children
        pos += 1
    return spec, pos
