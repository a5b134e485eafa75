"""JSON with every number token kept exactly as written.

Policy 0.2.0 (``fhir-json-lossless``) signs each number token verbatim: ``36.50`` is
signed as ``36.50``. Python's :mod:`json` turns it into the float ``36.5`` (different
signed content), and even :class:`decimal.Decimal` writes some tokens differently
(``0.0000001`` becomes ``1E-7``, ``1e5`` becomes ``1E+5``). :func:`loads` decodes every
number with a fraction or an exponent as a :class:`JsonDecimal` - a
:class:`decimal.Decimal` that also remembers its token - and :func:`dumps` writes it
back as that token, so ``dumps(loads(text))`` keeps every number of ``text``.
"""

from __future__ import annotations

import decimal
import json
import json.encoder
import re
from typing import Any, Callable, List, Optional, Union

from . import _sesgo
from .exceptions import ArgumentTypeError, ArgumentValueError, SesgoError

__all__ = ["JsonDecimal", "loads", "dumps"]

# RFC 8259 §6 number grammar, ASCII digits only (as the json scanner reads them).
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")

_encode_str: Callable[[str], str] = json.encoder.encode_basestring


class JsonDecimal(decimal.Decimal):
    """A JSON number token as a :class:`decimal.Decimal` that remembers the token exactly
    as written (``JsonDecimal("36.50")``, ``JsonDecimal("1e5")``).

    It compares, hashes and computes as the ``Decimal`` of the same value (arithmetic
    gives plain ``Decimal``); ``str()`` and :func:`sesgo.dumps` give the token itself.
    Anything but a ``str`` holding one JSON number token raises
    :class:`~sesgo.exceptions.ArgumentTypeError` /
    :class:`~sesgo.exceptions.ArgumentValueError` (``CONFIG.INVALID-PARAMETER``)."""

    __slots__ = ("_token",)
    _token: str

    def __new__(cls, token: str) -> "JsonDecimal":
        if not isinstance(token, str):
            raise _argument_error(
                ArgumentTypeError, f"JsonDecimal: esperado str, recebido {type(token).__name__}"
            )
        if _NUMBER.fullmatch(token) is None:
            raise _argument_error(
                ArgumentValueError, f"JsonDecimal: {token[:64]!r} não é um número JSON"
            )
        try:
            return _from_token(token)
        except ValueError as e:
            raise _argument_error(ArgumentValueError, f"JsonDecimal: {e}") from None

    @property
    def token(self) -> str:
        """The number exactly as written in the JSON text."""
        return self._token

    def __str__(self) -> str:
        return self._token

    def __repr__(self) -> str:
        return f"JsonDecimal({self._token!r})"

    def __reduce__(self) -> Any:
        return (JsonDecimal, (self._token,))


def _argument_error(cls: Any, diagnostics: str) -> SesgoError:
    """A refused JsonDecimal argument as a sesgo error (``CONFIG.INVALID-PARAMETER``)."""
    code = "CONFIG.INVALID-PARAMETER"
    severity, outcome = _sesgo.error_parts(code, diagnostics, "JsonDecimal")
    err: SesgoError = cls(code, severity, "JsonDecimal", diagnostics, json.loads(outcome))
    return err


def _from_token(token: str) -> JsonDecimal:
    """A :class:`JsonDecimal` from a token the json scanner already matched."""
    try:
        d = decimal.Decimal.__new__(JsonDecimal, token)
    except decimal.InvalidOperation:
        # Only an exponent beyond what Decimal holds (|e| > 999999999999999999).
        raise ValueError(
            f"o número {token[:64]} está fora do alcance de decimal.Decimal"
        ) from None
    d._token = token
    return d


def _parse_int(token: str) -> Union[int, JsonDecimal]:
    # `-0` is the one integer token ``int`` does not write back as read; an integer too
    # long for ``int()`` (sys.int_info.default_max_str_digits) stays exact as a token.
    if token == "-0":
        return _from_token(token)
    try:
        return int(token)
    except ValueError:
        return _from_token(token)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} não é um número JSON")


def loads(data: Union[str, bytes, bytearray, memoryview]) -> Any:
    """Decodes JSON text (``str`` or UTF-8 ``bytes``) keeping every number exactly:
    integers as ``int`` (``-0`` as a :class:`JsonDecimal`), numbers with a fraction or an
    exponent as :class:`JsonDecimal` (a :class:`decimal.Decimal`), never ``float``.
    ``NaN`` and ``Infinity`` (not JSON) raise ``ValueError``. Every ``dict`` sesgo
    returns is decoded this way."""
    if isinstance(data, memoryview):
        data = bytes(data)
    return json.loads(
        data, parse_float=_from_token, parse_int=_parse_int, parse_constant=_refuse_constant
    )


def _number(v: Any) -> Optional[str]:
    """The JSON token of a number, or None when ``v`` is not one."""
    if isinstance(v, bool):
        return None
    if isinstance(v, JsonDecimal):
        return v._token
    if isinstance(v, decimal.Decimal):
        if not v.is_finite():
            raise ValueError(f"{v} não é um número JSON")
        # The scientific string of a finite Decimal is always a JSON number token
        # (``36.50``, ``1E+5``, ``-0``).
        return str(v)
    if isinstance(v, int):
        return int.__repr__(v)
    if isinstance(v, float):
        if v != v or v in (float("inf"), float("-inf")):
            raise ValueError(f"{float.__repr__(v)} não é um número JSON")
        return float.__repr__(v)
    return None


def _key(k: Any) -> str:
    """An object member name, converted as :func:`json.dumps` converts it."""
    if isinstance(k, str):
        return k
    if k is True:
        return "true"
    if k is False:
        return "false"
    if k is None:
        return "null"
    if isinstance(k, (int, float)) and not isinstance(k, decimal.Decimal):
        token = _number(k)
        if token is not None:
            return token
    raise TypeError(f"chave de objeto JSON deve ser str, não {type(k).__name__}")


def _write(v: Any, out: List[str], indent: Optional[str], level: int) -> None:
    if isinstance(v, str):
        out.append(_encode_str(v))
    elif v is None:
        out.append("null")
    elif v is True:
        out.append("true")
    elif v is False:
        out.append("false")
    elif isinstance(v, dict):
        if not v:
            out.append("{}")
            return
        inner = None if indent is None else "\n" + indent * (level + 1)
        out.append("{")
        first = True
        for k, x in v.items():
            if not first:
                out.append(",")
            first = False
            if inner is not None:
                out.append(inner)
            out.append(_encode_str(_key(k)))
            out.append(":" if indent is None else ": ")
            _write(x, out, indent, level + 1)
        if indent is not None:
            out.append("\n" + indent * level)
        out.append("}")
    elif isinstance(v, (list, tuple)):
        if not v:
            out.append("[]")
            return
        inner = None if indent is None else "\n" + indent * (level + 1)
        out.append("[")
        for i, x in enumerate(v):
            if i:
                out.append(",")
            if inner is not None:
                out.append(inner)
            _write(x, out, indent, level + 1)
        if indent is not None:
            out.append("\n" + indent * level)
        out.append("]")
    else:
        token = _number(v)
        if token is None:
            raise TypeError(f"um {type(v).__name__} não pode ser escrito como JSON")
        out.append(token)


def dumps(value: Any, *, indent: Optional[int] = None) -> str:
    """JSON text of ``value`` (``dict``, ``list``/``tuple``, ``str``, ``int``, ``float``,
    :class:`decimal.Decimal`, ``bool``, ``None``), keeping numbers exact: a
    :class:`JsonDecimal` is written as its token, any other ``Decimal`` as its
    scientific string (``Decimal("36.50")`` as ``36.50``), a ``float`` as :mod:`json`
    writes it. Non-ASCII text is written as is (UTF-8 once encoded). Compact by default;
    ``indent`` spaces per level otherwise. ``NaN``/``Infinity``, a ``set``, ``bytes`` or
    any other type raises (``ValueError``/``TypeError``), as does a circular or too
    deeply nested structure (``RecursionError``)."""
    out: List[str] = []
    _write(value, out, None if indent is None else " " * indent, 0)
    return "".join(out)
