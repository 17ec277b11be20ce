"""Turn pydantic validation errors into one-line Problems that name file, line and field."""

from __future__ import annotations

import copy
import difflib
import re
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ValidationError

from handouts.errors import Problem, shorten
from handouts.inputs.yamlio import Located

PATIENT_FIELDS = ("name", "medications", "prepared_by")


def suggest(word: str, choices: Iterable[str]) -> str | None:
    """A 'did you mean …?' hint for the closest valid choice, if any is close."""
    match = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f"did you mean '{match[0]}'?" if match else None


def field_name(loc: tuple) -> str:
    """('topics', 1) -> 'topics entry 2'; ('patient', 'name') -> 'patient.name'. Entries
    of a list are counted from 1, as a person counts them, in every message."""
    out = ""
    for part in loc:
        out += f" entry {part + 1}" if isinstance(part, int) else \
            (f".{part}" if out else str(part))
    return out


def validate(model: type[BaseModel], doc: Located, base: tuple = (), context: Any = None
             ) -> tuple[BaseModel | None, list[Problem]]:
    """Validate `doc.data` against `model`; return the model or every problem found.

    Where a field wants text and YAML read a number, a truth value or a date (`crisis_line:
    988`, `footer_note: yes`), the text as written is used, as if it had been quoted."""
    data = doc.data
    for part in base:
        data = data[part]
    try:
        return model.model_validate(data, context=context), []
    except ValidationError as exc:
        errors = exc.errors()
    as_text = _as_written(data, doc, base, errors)
    if as_text is not None:
        try:
            return model.model_validate(as_text, context=context), []
        except ValidationError as exc:
            errors = exc.errors()
    return None, _split_values(doc, base, errors) + [
        _problem(model, doc, base, err) for err in errors
        if base + _loc(err) not in doc.split]


_WANTS_TEXT = {"string_type", "model_type", "model_attributes_type", "dict_type"}


def _loc(err: dict) -> tuple:
    return err["loc"][:1] + tuple(p for p in err["loc"][1:] if not _is_union_tag(p))


def _as_written(data: Any, doc: Located, base: tuple, errors: list[dict]) -> Any:
    """A copy of `data` with the text as written in place of each value that should have
    been text; None if there is none."""
    paths = [_loc(err) for err in errors if err["type"] in _WANTS_TEXT]
    paths = [p for p in paths if base + p in doc.written]
    if not paths:
        return None
    data = copy.deepcopy(data)
    for path in paths:
        holder = data
        for part in path[:-1]:
            holder = holder[part]
        holder[path[-1]] = doc.written[base + path]
    return data


def _split_values(doc: Located, base: tuple, errors: list[dict]) -> list[Problem]:
    """One problem for each value a ',' cut short inside { } (its pieces read as unknown
    fields): said at the value, with the quoted value to write."""
    cut: dict[tuple, str] = {}
    for err in errors:
        path = base + _loc(err)
        if err["type"] == "extra_forbidden" and path in doc.split:
            value, text = doc.split[path]
            cut[value] = text  # the last piece's text holds all of them
    problems = []
    for path, text in cut.items():
        private = path[0] == "patient"
        example = "" if private else f": {path[-1]}: \"{shorten(text, 80)[1:-1]}\""
        problems.append(Problem(
            "a ',' inside { } ends a value, so this one was cut at its comma and the rest "
            "read as field names", doc.file, doc.line_of(path), field_name(path),
            f"put the whole value in quotes{example}"))
    return problems


def _problem(model: type[BaseModel], doc: Located, base: tuple, err: dict) -> Problem:
    loc = _loc(err)
    line = doc.line_of(base + loc)
    kind, value = err["type"], err.get("input")
    private = bool(loc) and loc[0] == "patient"  # never echo patient data into messages
    hint = None
    if kind == "missing":
        message = "is required but missing"
    elif kind == "extra_forbidden":
        parent = _model_at(model, loc[:-1])
        allowed = list(parent.model_fields) if parent else []
        message = "is not a known field"
        hint = suggest(loc[-1], allowed) or (
            f"known fields: {', '.join(allowed)}" if allowed else None)
        if not private and len(loc) == 1 and loc[0] in PATIENT_FIELDS:
            hint = (f"'{loc[0]}' belongs in the patient block: indent it under 'patient:' "
                    "(see the README)")
        if private:  # the key itself may be the patient's name or a medicine: never shown
            loc, message = loc[:-1], f"has a field that is not one of {', '.join(allowed)}"
            hint = suggest(str(err["loc"][-1]), allowed) or \
                "check the spelling and indentation of the patient block"
    elif kind == "literal_error":
        expected = err["ctx"]["expected"]
        message = f"expected {expected}, got {_short(value)}"
        hint = suggest(value, [c.strip(" '") for c in expected.replace(" or ", ",").split(",")])
    else:
        message = plain_message(err)
        if kind != "value_error" and value is not None and not isinstance(value, dict | list) \
                and not private and len(str(value)) <= 60:
            message += f", got {_short(value)}"
    return Problem(message, doc.file, line, field_name(loc), hint)


def plain_message(err: dict) -> str:
    """pydantic's message in plain words ("after validation" means nothing to a user)."""
    kind, ctx = err["type"], err.get("ctx", {})
    if kind == "value_error":
        message = str(ctx["error"])
    elif kind == "too_long":
        message = f"has {ctx.get('actual_length')} entries; the limit is {ctx.get('max_length')}"
    elif kind == "string_too_long":
        message = f"is longer than {ctx.get('max_length')} characters"
    elif kind == "string_too_short":
        message = "is empty"
    elif kind == "too_short":
        least = ctx.get("min_length")
        message = f"needs at least {least} entr{'y' if least == 1 else 'ies'}" if least \
            else "is empty"
    elif kind == "bool_parsing":
        message = "should be true or false"
    else:
        message = err["msg"]
    return message[0].lower() + message[1:]


def _short(value: Any) -> str:
    return shorten(value)


_TAG = re.compile(r"^[\w-]+\[.*\]$")


def _is_union_tag(part: Any) -> bool:
    """pydantic's names for the branch of a union or a validator ('function-after[...]')."""
    return isinstance(part, str) and (bool(_TAG.match(part)) or part in {"str", "list", "int",
                                                                          "bool"})


def _model_at(model: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    """Follow `loc` through nested model fields to the model that holds the last part."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        field = getattr(current, "model_fields", {}).get(part)
        if field is None:
            return None
        current = field.annotation
        args = getattr(current, "__args__", ())
        current = next((a for a in args if isinstance(a, type) and issubclass(a, BaseModel)),
                       current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def cut_warnings(doc: Located, fields: tuple[str, ...]) -> list[Problem]:
    """A warning for each of `fields` (dotted paths; a list's entries count as the list)
    whose value a '#' cut short. The value itself is never quoted."""
    return [Problem("the text after ' #' on this line is a YAML comment and is not printed",
                    doc.file, doc.line_of(path), field_name(path),
                    "put the whole value in quotes to keep it, e.g. \"Suite #200\"", "warning")
            for path in doc.cut
            if ".".join(p for p in path if not isinstance(p, int)) in fields]
