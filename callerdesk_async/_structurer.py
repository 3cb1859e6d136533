"""Compiled structurers: one straight-line function per model, built from the rules.

Each declared field is read with ``dict.get``; the value is converted by its type's
:class:`~callerdesk_async._rules.Rule` (the rule's inline shortcut for the usual values, the
rule's function for the rest); the shape of the object does not matter: a missing key costs
what a present one does (its default is taken on the rule's slow branch, where the miss is also
counted so that unknown keys are found with one length comparison), unknown keys land in
``extra`` and key order is never looked at.

A value a rule cannot convert is *odd*. With a lenient :class:`Decoding` (what clients use
unless ``strict_decoding=True``) the attribute takes its default, the value is kept in ``extra``
under its API key and one WARNING per (model, field) per client names the endpoint and the
value's type. With a strict one the structurer raises :class:`ConversionError`.

How instances are made. Frozen attrs classes refuse ``obj.x = ...``; filling one through its
slot descriptors costs a call per field. Instead, a plain slotted *builder* class with the
model's layout is filled by ordinary attribute stores and then re-classed
(``obj.__class__ = Model``), which CPython allows between identical layouts: about a third of
the cost. It is kept because it is the largest single saving on a typed row. It needs the
model to derive from ``object`` alone, to have no validators, converters or
``__attrs_post_init__`` (the builder would skip them), and no ``__weakref__`` slot: CPython's
layout check only accepts a ``__weakref__`` slot placed before the named ones, and attrs puts
it after, so models are declared ``weakref_slot=False``. Any other class is built through its
``__init__`` (correct, slower); :func:`uses_builder` tells which, and the test suite checks every
SDK model takes the builder.

The generated source is registered in :mod:`linecache`, so tracebacks and debuggers show it.
"""

from __future__ import annotations

import itertools
import linecache
import logging
from collections.abc import Callable, Mapping
from types import FunctionType
from typing import Any, TypeVar

import attrs

from ._rules import GLOBALS, ConversionError, rule_for

__all__ = ["Decoding", "structurer_for", "uses_builder"]

logger = logging.getLogger("callerdesk_async")
T = TypeVar("T")
_MISSING = object()
_API_KEY = "callerdesk_api_key"
_structurers: dict[type, Callable[..., Any]] = {}
_serial = itertools.count(1)


class Decoding:
    """How one client reads API data: strictly (an odd value fails the call) or leniently.

    Lenient decoding warns once per (model, field) for the whole client; :meth:`at` gives the
    same policy and memory, labelled with the endpoint being read.
    """

    __slots__ = ("_warned", "endpoint", "strict")

    def __init__(
        self,
        *,
        strict: bool = False,
        endpoint: str | None = None,
        _warned: set[tuple[type, str]] | None = None,
    ) -> None:
        self.strict = strict
        self.endpoint = endpoint
        self._warned: set[tuple[type, str]] = set() if _warned is None else _warned

    def at(self, endpoint: str) -> Decoding:
        """This policy (and its warned-about fields) for reading ``endpoint``."""
        return Decoding(strict=self.strict, endpoint=endpoint, _warned=self._warned)

    def warn(self, field: _Field, value: object) -> None:
        """Log that ``field`` got an odd value, the first time only (its type, not the value)."""
        if (field.model, field.name) in self._warned:
            return
        self._warned.add((field.model, field.name))
        logger.warning(
            "%s: %s.%s (API field %r) is not %s (got a %s); it is set to %s and the value is "
            "kept in extra[%r]. Logged once per field for this client.",
            self.endpoint or "API data",
            field.model.__name__,
            field.name,
            field.key,
            field.rule,
            type(value).__name__,
            field.fallback,
            field.key,
        )


STRICT = Decoding(strict=True)
"""The policy of :func:`structure` called without a client: odd values raise."""


@attrs.frozen
class _Field:
    model: type
    name: str
    key: str
    rule: str
    fallback: str  # the default, as the warning describes it


def _odd(
    odd: dict[str, Any] | None, site: Decoding, field: _Field, value: object, error: Exception
) -> dict[str, Any]:
    """Record an odd value of ``field``: raise (strict) or warn and collect it for ``extra``."""
    if site.strict:
        if isinstance(error, ConversionError):  # a nested object's own field: keep its name
            raise error
        raise ConversionError(
            f"{field.model.__name__}.{field.name} (API field {field.key!r}) is not "
            f"{field.rule} (got a {type(value).__name__})"
        ) from None
    site.warn(field, value)
    if odd is None:
        odd = {}
    odd[field.key] = value
    return odd


def _unknown(data: Mapping[str, Any], known: frozenset[str], count: int) -> dict[str, Any]:
    """The ``count`` keys of ``data`` not in ``known``, with their values, in ``data``'s order.

    Fields a server adds tend to come last, so the keys are searched from the end, and the
    search stops once all ``count`` are found (the structurer counted them for free).
    """
    if data.__class__ is not dict:
        return {k: v for k, v in data.items() if k not in known}
    found = []
    for key in reversed(data):
        if key not in known:
            found.append(key)
            if len(found) == count:
                break
    return {k: data[k] for k in reversed(found)}


def _nested_one(cls: type) -> Callable[[Any, Decoding], Any]:
    def one(value: Any, site: Decoding) -> Any:
        if isinstance(value, list):  # the API wraps single objects in lists at times
            value = value[0] if value else None
        if value is None or value == "":
            return None
        return _compiled(cls)(value, site)

    return one


def _nested_many(cls: type) -> Callable[[Any, Decoding], list[Any]]:
    def many(value: Any, site: Decoding) -> list[Any]:
        if value is None or value == "":
            return []
        if isinstance(value, Mapping):
            value = [value]
        if not isinstance(value, list):
            raise ValueError(f"expected a list of {cls.__name__}, got {type(value).__name__}")
        structure_one = _compiled(cls)
        return [structure_one(item, site) for item in value]

    return many


def nested_hooks(cls: type) -> tuple[Callable[[Any, Decoding], Any], Callable[..., list[Any]]]:
    """The functions reading a ``cls | None`` and a ``list[cls]`` field (see ``_nested``)."""
    return _nested_one(cls), _nested_many(cls)


def _nested_of(annotation: Any) -> Callable[[Any, Decoding], Any] | None:
    args: tuple[Any, ...] = getattr(annotation, "__args__", ())
    if getattr(annotation, "__origin__", None) is list and len(args) == 1 and attrs.has(args[0]):
        return _nested_many(args[0])
    models = [a for a in args if a is not type(None)]
    if len(models) == 1 and type(None) in args and attrs.has(models[0]):
        return _nested_one(models[0])
    return None


def builder_for(cls: type) -> type | None:
    """A plain slotted class laid out like ``cls`` (see the module docstring), or None."""
    slots = cls.__dict__.get("__slots__")
    if cls.__bases__ != (object,) or not slots or "__weakref__" in slots:
        return None
    fields = attrs.fields(cls)
    if any(f.validator or f.converter for f in fields) or hasattr(cls, "__attrs_post_init__"):
        return None
    builder = type(f"{cls.__name__}Builder", (), {"__slots__": tuple(slots)})
    try:
        builder().__class__ = cls
    except TypeError:
        return None
    return builder


def uses_builder(cls: type) -> bool:
    """Whether ``cls`` is built the fast way (filled builder, re-classed)."""
    return builder_for(cls) is not None


def _compile(cls: type) -> Callable[..., Any]:
    from ._convert import converter  # the converter's hooks cover types without a rule

    fields = attrs.fields(attrs.resolve_types(cls))
    builder = builder_for(cls)
    namespace: dict[str, Any] = {
        **GLOBALS,
        "_cls": cls,
        "_builder": builder,
        "_Mapping": Mapping,
        "_MISSING": _MISSING,
        "_STRICT": STRICT,
        "_odd": _odd,
        "_unknown": _unknown,
        "_ConversionError": ConversionError,
    }
    head = [
        "def structure_one(data, _site=_STRICT):",
        "    if data.__class__ is not dict and not isinstance(data, _Mapping):",
        f"        raise _ConversionError('expected an object for {cls.__name__}, got '"
        " + type(data).__name__)",
        "    get = data.get",
        "    missing_ = _MISSING",
        "    missing = 0",
        "    odd = None",
        "    obj = _builder()" if builder is not None else "    values = {}",
    ]
    setup: list[str] = []
    body: list[str] = []
    known: list[str] = []
    has_extra = False
    for index, field in enumerate(fields):
        if field.name == "extra":
            has_extra = True
            continue
        default = field.default
        if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
            namespace[f"_factory{index}"] = default.factory
            fallback = f"_factory{index}()"
            fallback_value = "a new " + getattr(default.factory, "__name__", "value")
        elif default is None:
            fallback, fallback_value = "None", "None"
        else:
            namespace[f"_default{index}"] = default
            fallback = f"_default{index}"
            fallback_value = repr(default)
        if default is attrs.NOTHING:
            namespace[f"_default{index}"] = _MISSING
        if not field.init:
            # Derived attributes (filled after construction by their owner) start at default.
            if builder is not None and default is not attrs.NOTHING:
                body.append(f"obj.{field.name} = {fallback}")
            continue
        key = field.metadata.get(_API_KEY, field.name)
        if key in known:  # the key counting behind ``extra`` needs one field per key
            raise TypeError(f"{cls.__name__}: two fields read API key {key!r}")
        known.append(key)
        rule = rule_for(field.type)
        call: str | None = f"_conv{index}(x)"
        if rule is not None:
            namespace[f"_conv{index}"] = rule.parse
            template: tuple[str, ...] = rule.inline or ("{slow}",)
            setup.extend(line for line in rule.setup if line not in setup)
            rule_name = rule.name
        elif (nested := _nested_of(field.type)) is not None:
            namespace[f"_conv{index}"] = nested
            call = f"_conv{index}(x, _site)"
            template, rule_name = ("{slow}",), f"{field.type}"
        elif field.type is Any:
            template, rule_name, call = ("{slow}",), "anything", None
        else:
            hook = converter.get_structure_hook(field.type)
            namespace[f"_conv{index}"] = hook
            namespace[f"_type{index}"] = field.type
            call = f"_conv{index}(x, _type{index})"
            template, rule_name = ("{slow}",), f"{field.type}"
        namespace[f"_field{index}"] = _Field(cls, field.name, key, rule_name, fallback_value)
        slow = [
            "if x is missing_:",
            "    missing += 1",
            f"    x = {fallback}",
        ]
        if call is not None:
            slow += [
                "else:",
                "    try:",
                f"        x = {call}",
                "    except ValueError as e:",
                f"        odd = _odd(odd, _site, _field{index}, x, e)",
                f"        x = {fallback}",
            ]
        body.append(f"x = get({key!r}, missing_)")
        for line in template:
            if line.strip() == "{slow}":
                indent = line[: len(line) - len(line.lstrip())]
                body.extend(indent + part for part in slow)
            else:
                body.append(line)
        body.append(
            f"obj.{field.name} = x" if builder is not None else f"values[{field.alias!r}] = x"
        )
    tail: list[str] = []
    if has_extra:
        namespace["_known"] = frozenset(known)
        # Every declared key that is absent was counted, so the object holds keys nobody
        # declared exactly when it holds more than the declared ones present.
        tail += [
            f"if len(data) == {len(known)} - missing:",
            "    extra = {}",
            "else:",
            f"    extra = _unknown(data, _known, len(data) - {len(known)} + missing)",
            "if odd is not None:",
            "    extra.update(odd)",
            "obj.extra = extra" if builder is not None else "values['extra'] = extra",
        ]
    if builder is not None:
        tail += ["obj.__class__ = _cls", "return obj"]
    else:
        tail += ["return _cls(**values)"]
    source = "\n".join(head + ["    " + line for line in setup + body + tail]) + "\n"
    filename = f"<callerdesk_async structurer {cls.__module__}.{cls.__qualname__}>"
    if filename in linecache.cache:  # two classes of one name (tests, reloads): keep both
        filename = f"{filename[:-1]} #{next(_serial)}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), namespace)  # noqa: S102
    return namespace["structure_one"]  # type: ignore[no-any-return]


def _compiled(cls: type) -> Callable[..., Any]:
    structure_one = _structurers.get(cls)
    if structure_one is None:
        structure_one = _structurers[cls] = _compile(cls)
    return structure_one


def structurer_for(
    cls: type[T], decoding: Decoding | None = None
) -> Callable[[Mapping[str, Any]], T]:
    """The compiled structure function for ``cls``, for hot loops over many rows.

    Compiled once per model. With ``decoding`` (a client's policy for one endpoint) the
    function reads odd values that way; without, odd values raise :class:`ConversionError`.
    """
    structure_one = _compiled(cls)
    if decoding is None:
        return structure_one
    # The same code with another default for ``_site``: no wrapper call per row.
    return FunctionType(
        structure_one.__code__, structure_one.__globals__, structure_one.__name__, (decoding,)
    )
