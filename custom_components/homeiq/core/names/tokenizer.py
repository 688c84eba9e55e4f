"""The BERT uncased tokenizer in plain Python, so that names tokenize without ``transformers``.

MiniLM cuts text as BERT does, and the name table holds one vector per token of its
vocabulary, so a name must be cut into exactly those tokens. Two steps, as BERT (and the
``tokenizers`` library behind ``transformers``' ``BertTokenizer``) takes them:

* :func:`basic_tokenize`: drop control and format characters, treat every Unicode space
  as a space, put spaces around CJK ideographs, strip accents (NFD, then no combining
  marks), lower case, split on whitespace and isolate every punctuation character — ASCII
  ``!"#…~`` (``_`` and ``.`` included, so ``binary_sensor.hallway_motion`` becomes
  ``binary _ sensor . hallway _ motion``) and every Unicode ``P*`` character;
* :class:`WordPiece`: each word cut greedily into the longest vocabulary pieces from its
  start, pieces after the first spelled ``##piece``; a word with a part no piece matches,
  or longer than 100 characters, is one :data:`UNKNOWN`.

Character categories come from Python's ``unicodedata``; ``tokenizers`` has older tables,
so a character assigned in a recent Unicode version may split differently there.
"""

from __future__ import annotations

from collections.abc import Iterable
import re
from typing import Final
import unicodedata

UNKNOWN: Final = "[UNK]"
CONTINUATION: Final = "##"
MAX_WORD_CHARS: Final = 100  # BERT's: longer words are unknown
# Control, format, private-use and surrogate characters are dropped; unassigned code points
# stay (``tokenizers`` keeps them, so they make their word unknown).
_REMOVED_CATEGORIES: Final = frozenset({"Cc", "Cf", "Co", "Cs"})
# ASCII text: tab, newline and return are spaces, the other controls go; then every
# character but a letter, digit or space is punctuation.
_ASCII_CLEAN: Final = str.maketrans(
    {chr(code): " " if chr(code) in "\t\n\r" else None for code in [*range(32), 127]}
)
_ASCII_TOKEN: Final = re.compile(r"[a-z0-9]+|[^a-z0-9 ]")

# The CJK Unified Ideographs blocks BERT treats as words of their own (not Hangul or kana).
_CJK_RANGES: Final = (
    (0x4E00, 0x9FFF),
    (0x3400, 0x4DBF),
    (0x20000, 0x2A6DF),
    (0x2A700, 0x2B73F),
    (0x2B740, 0x2B81F),
    (0x2B820, 0x2CEAF),
    (0xF900, 0xFAFF),
    (0x2F800, 0x2FA1F),
)


def basic_tokenize(text: str) -> list[str]:
    """The words and punctuation characters of ``text``, lower case, without accents."""
    if text.isascii():  # most names: the same result, several times faster
        return _ASCII_TOKEN.findall(text.translate(_ASCII_CLEAN).lower())
    spaced = []
    for char in text:
        if char in "\t\n\r":
            spaced.append(" ")
        elif char == "\ufffd" or unicodedata.category(char) in _REMOVED_CATEGORIES:
            continue  # control and format characters, NUL and U+000B … U+001F included
        elif char.isspace():
            spaced.append(" ")
        elif ord(char) >= 0x3400 and _is_cjk(ord(char)):
            spaced.append(f" {char} ")
        else:
            spaced.append(char)
    decomposed = unicodedata.normalize("NFD", "".join(spaced))
    plain = "".join(char for char in decomposed if unicodedata.category(char) != "Mn")
    # Character by character, as ``tokenizers`` does: str.lower() would spell a final Σ ς.
    plain = plain.lower() if "Σ" not in plain else "".join(char.lower() for char in plain)
    tokens: list[str] = []
    for word in plain.split():
        start = 0
        for position, char in enumerate(word):
            if _is_punctuation(char):
                if start < position:
                    tokens.append(word[start:position])
                tokens.append(char)
                start = position + 1
        if start < len(word):
            tokens.append(word[start:])
    return tokens


class WordPiece:
    """Greedy longest-match-first WordPiece over a fixed vocabulary."""

    def __init__(self, vocabulary: Iterable[str]) -> None:
        self._vocabulary = frozenset(vocabulary)
        self._longest = max((len(piece) for piece in self._vocabulary), default=0)

    def __contains__(self, piece: object) -> bool:
        return piece in self._vocabulary

    def tokenize(self, text: str) -> list[str]:
        """The vocabulary pieces of ``text`` (:data:`UNKNOWN` for a word none can spell)."""
        pieces: list[str] = []
        for word in basic_tokenize(text):
            pieces.extend(self.split_word(word))
        return pieces

    def split_word(self, word: str) -> list[str]:
        """One basic token cut into pieces, or ``[UNKNOWN]``."""
        if len(word) > MAX_WORD_CHARS:
            return [UNKNOWN]
        pieces = []
        start = 0
        while start < len(word):
            prefix = CONTINUATION if start else ""
            # No piece is longer than the longest in the vocabulary: start the search there.
            end = min(len(word), start + self._longest)
            while end > start and f"{prefix}{word[start:end]}" not in self._vocabulary:
                end -= 1
            if end == start:
                return [UNKNOWN]
            pieces.append(f"{prefix}{word[start:end]}")
            start = end
        return pieces


def _is_cjk(code: int) -> bool:
    return any(low <= code <= high for low, high in _CJK_RANGES)


def _is_punctuation(char: str) -> bool:
    """BERT's punctuation: every non-alphanumeric printable ASCII character, Unicode ``P*``."""
    code = ord(char)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(char).startswith("P")
