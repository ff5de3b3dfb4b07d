"""Case-insensitive search that knows Æ, Ø and Å on SQLite too.

SQLite's LIKE folds case for ASCII letters only, so a search for "ørland"
never found "Ørland kommune" and "ÅLESUND" never found "Ålesund". PostgreSQL
(UPPER … LIKE UPPER …) has no such gap. On SQLite the case-insensitive
lookups (``icontains``, ``istartswith``, ``iendswith``, ``iexact``) call a
small Python function instead of LIKE, but only when the searched text holds
a letter outside ASCII: plain searches keep SQLite's own, faster LIKE.

``like_matches`` is pure and tested without a database.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from django.db.models import Field, lookups

SQL_FUNCTION = "kravspor_ilike"
ESCAPE = "\\"
# Wildcards as tokens distinct from any literal run of text.
ANY_RUN, ONE = object(), object()
WILDCARDS = {"%": ANY_RUN, "_": ONE}


@lru_cache(maxsize=512)
def like_pattern(pattern: str) -> Callable[[str], bool]:
    """A LIKE pattern (``%`` any run, ``_`` one character, ``\\`` escapes
    the next character) as a test of a case-folded text.

    The common shapes (``%text%``, ``text%``, ``%text``, ``text``) are plain
    string tests, several times faster than a regular expression; searches
    run this once per row."""
    tokens: list = []  # literal runs of text, ANY_RUN and ONE
    literal: list[str] = []
    characters = iter(pattern.casefold())
    for character in characters:
        if character == ESCAPE:
            literal.append(next(characters, ESCAPE))
        elif character in "%_":
            if literal:
                tokens.append("".join(literal))
                literal = []
            tokens.append(WILDCARDS[character])
        else:
            literal.append(character)
    if literal:
        tokens.append("".join(literal))
    text = [token for token in tokens if token not in (ANY_RUN, ONE)]
    if ONE not in tokens and len(text) <= 1:
        needle = text[0] if text else ""
        starts, ends = tokens[:1] == [ANY_RUN], tokens[-1:] == [ANY_RUN]
        if not text:
            return (lambda value: True) if starts else (lambda value: value == "")
        if starts and ends:
            return lambda value: needle in value
        if starts:
            return lambda value: value.endswith(needle)
        if ends:
            return lambda value: value.startswith(needle)
        return lambda value: value == needle
    expression = re.compile(
        "".join(
            ".*" if token is ANY_RUN else "." if token is ONE else re.escape(token)
            for token in tokens
        ),
        re.DOTALL,
    )
    return lambda value: expression.fullmatch(value) is not None


def like_matches(value, pattern) -> bool | None:
    """Whether ``value`` matches the LIKE ``pattern`` ignoring case in every
    alphabet; None when either is NULL, as SQL's LIKE gives."""
    if value is None or pattern is None:
        return None
    return like_pattern(str(pattern))(str(value).casefold())


def register_sqlite_function(sender, connection, **kwargs) -> None:
    """Connected to ``connection_created``: give every SQLite connection the
    function the lookups below call."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            SQL_FUNCTION, 2, like_matches, deterministic=True
        )


class UnicodeCaseOnSQLite:
    """Mixin for Django's case-insensitive lookups (see the module text)."""

    def as_sqlite(self, compiler, connection):
        value = self.rhs
        if (
            not self.rhs_is_direct_value()
            or self.bilateral_transforms
            or not isinstance(value, str)
            or value.isascii()
        ):
            return self.as_sql(compiler, connection)
        lhs_sql, params = self.process_lhs(compiler, connection)
        rhs_sql, rhs_params = self.process_rhs(compiler, connection)
        return f"{SQL_FUNCTION}({lhs_sql}, {rhs_sql})", [*params, *rhs_params]


class IContains(UnicodeCaseOnSQLite, lookups.IContains):
    pass


class IStartsWith(UnicodeCaseOnSQLite, lookups.IStartsWith):
    pass


class IEndsWith(UnicodeCaseOnSQLite, lookups.IEndsWith):
    pass


class IExact(UnicodeCaseOnSQLite, lookups.IExact):
    pass


def install() -> None:
    """Replace the four lookups on every field (called once, from
    ``ProcurementConfig.ready``)."""
    for lookup in (IContains, IStartsWith, IEndsWith, IExact):
        Field.register_lookup(lookup)
