"""Splitting one G-code line into words and comments, with columns.

A line is ``[/][N<n>] word* [( comment )]* [; comment]`` with words ``<letter><number>``.
Spaces are allowed anywhere between a letter, its sign and its number
(``X 0.5``, ``Z -1``), letters may be lowercase, and words need no spaces
between them (``G0X1Y2``). A trailing checksum ``*<n>`` (or a bare ``*``, Heidenhain's block end) is dropped.
Columns are 1-based positions in the original line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Word", "LexedLine", "lex_line"]

_TOKEN = re.compile(r"[ \t\r\f\v]+|([A-Za-z])[ \t]*([-+]?[ \t]*(?:\d+\.?\d*|\.\d+))|(.)", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Word:
    """One address word: upper-case ``letter``, ``value``, 1-based ``column``, whether it had a decimal point."""

    letter: str
    value: float
    column: int
    point: bool


@dataclass(frozen=True, slots=True)
class LexedLine:
    """Words and comments of one line, or the first problem found (``error``, ``error_column``)."""

    words: tuple[Word, ...]
    comments: tuple[str, ...]
    block_delete: bool = False
    percent: bool = False
    error: str = ""
    error_column: int = 0


#: A Heidenhain plain-language block: a block number, then a conversational keyword.
_PLAIN_LANGUAGE = re.compile(
    r"\s*\d+\s+(BEGIN\s+PGM|END\s+PGM|BLK\s+FORM|TOOL\s+(CALL|DEF)|CYCL\s+(DEF|CALL)|CALL\s+LBL|LBL|FN\s*\d|"
    r"L\s+[XYZIR]|L\s+[+-]|CC\s+X|CR\s+|CT\s+|RND\s+|CHF\s+|STOP|M\d+\s*$)",
    re.IGNORECASE,
)


def _err(msg: str, col: int, comments: list[str]) -> LexedLine:
    return LexedLine((), tuple(comments), error=msg, error_column=col)


def lex_line(line: str) -> LexedLine:
    """Words and comments of ``line`` (without its newline).

    Examples
    --------
    >>> [(w.letter, w.value) for w in lex_line("n10 g1x1.5 Y -2 (cut) ; end").words]
    [('N', 10.0), ('G', 1.0), ('X', 1.5), ('Y', -2.0)]
    >>> lex_line("G1 X#1").error
    'macro parameters (#) are not supported'
    """
    comments: list[str] = []
    # comments first: replace them with spaces so columns stay right
    if "(" in line or ";" in line or ")" in line:
        chars = list(line)
        i, n = 0, len(line)
        while i < n:
            c = line[i]
            if c == "(":
                j = line.find(")", i + 1)
                if j < 0:
                    return _err("comment opened with '(' is not closed on this line", i + 1, comments)
                inner = line.find("(", i + 1, j)
                if inner >= 0:
                    return _err("nested '(' inside a comment", inner + 1, comments)
                comments.append(line[i + 1 : j].strip())
                for k in range(i, j + 1):
                    chars[k] = " "
                i = j + 1
            elif c == ";":
                comments.append(line[i + 1 :].strip())
                for k in range(i, n):
                    chars[k] = " "
                break
            elif c == ")":
                return _err("')' without an opening '('", i + 1, comments)
            else:
                i += 1
        code = "".join(chars)
    else:
        code = line
    stripped = code.strip()
    if not stripped:
        return LexedLine((), tuple(comments))
    if stripped == "%":
        return LexedLine((), tuple(comments), percent=True)
    if _PLAIN_LANGUAGE.match(code):
        return _err(
            "Heidenhain conversational (plain-language) blocks are not supported; write or read the ISO dialect",
            len(code) - len(code.lstrip()) + 1, comments,
        )
    block_delete = False
    start = 0
    lead = len(code) - len(code.lstrip())
    if code[lead] == "/":
        block_delete = True
        start = lead + 1
    star = code.find("*")
    end = len(code)
    if star >= 0:
        if re.fullmatch(r"\*\s*\d*\s*", code[star:]):  # a checksum, or Heidenhain's block end
            end = star
        else:
            return _err("'*' is only accepted as a trailing checksum", star + 1, comments)
    words: list[Word] = []
    for m in _TOKEN.finditer(code, start, end):
        if m.group(1):
            num = m.group(2)
            value = float(num.replace(" ", "").replace("\t", ""))
            words.append(Word(m.group(1).upper(), value, m.start() + 1, "." in num))
        elif m.group(3):
            c = m.group(3)
            col = m.start() + 1
            if c == "#":
                return _err("macro parameters (#) are not supported", col, comments)
            if c in "[]":
                return _err("expressions in [ ] are not supported", col, comments)
            if c.isalpha():
                rest = code[m.end() : end].lstrip()
                if rest[:1] == "#":
                    return _err("macro parameters (#) are not supported", end - len(code[m.end() : end].lstrip()) + 1,
                                comments)
                if rest[:1] == "[":
                    return _err("expressions in [ ] are not supported", end - len(code[m.end() : end].lstrip()) + 1,
                                comments)
                return _err(f"letter {c.upper()} without a number", col, comments)
            if c == "%":
                return _err("'%' must be alone on its line", col, comments)
            if c == "=":
                return _err("'=' assignments (macros, Sinumerik/Heidenhain syntax) are not supported", col, comments)
            return _err(f"unexpected character {c!r}", col, comments)
    return LexedLine(tuple(words), tuple(comments), block_delete=block_delete)
