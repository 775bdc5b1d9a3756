"""The candidate's text inside a prompt's tags, with no way to close them from inside.

A prompt puts the answer between `<answer>` and `</answer>` (follow-up replies between
`<reply>` tags, inside `<follow_up>`). An answer holding `</answer >`, `< /ANSWER>`, a tag
spelled with a zero-width space or in full-width brackets could end the data early and
write what looks like the prompt. Every such tag in the candidate's text has its angle
brackets replaced by look-alikes (‹ ›) that no prompt uses: the model still reads what was
written, and only the prompt's own tags are tags. Text with no such tag is left exactly as
it was, so prompts for ordinary answers render byte for byte as before.
"""

from __future__ import annotations

import re

from .._folding import fold

__all__ = ["TAG_ATTRIBUTES", "escape_delimiters"]

_TAG_NAMES = r"answer|reply|follow[\s_-]*up|system|user|assistant|developer|rubric|instructions?|im_start|im_end"
TAG_ATTRIBUTES = r"""(?:\s++[\w-]++(?:\s*+=\s*+(?:"[^"<>]*+"|'[^'<>]*+'|[^\s<>]++))?)*+\s*+/?\s*+\|?"""
"""What may stand between a tag's name and its `>`: attributes, a self-closing slash, spaces.

Possessive (`*+`): a pattern that may give back spaces between optional parts backtracks in cubic time
on a `<` followed by a few thousand spaces, which an answer can hold."""
# "<answer", "</reply" as written, or spaced out ("< / answer >") when it is closed like a tag, so that
# "latency < system limits" stays as it is.
_TAG = re.compile(
    rf"</?\|?(?:{_TAG_NAMES})\b(?:{TAG_ATTRIBUTES}>)?|<[\s/|]*+(?:{_TAG_NAMES})\b{TAG_ATTRIBUTES}>",
    re.IGNORECASE,
)
_BRACKETS = {"<": "‹", ">": "›"}


def escape_delimiters(text: str) -> str:
    """`text` with every tag a prompt could use made harmless (‹/answer›); anything else untouched."""
    folded = fold(text)
    matches = list(_TAG.finditer(folded.text))
    if not matches:
        return text
    chars = list(text)
    for match in matches:
        start, end = folded.span(*match.span())
        for index in range(start, end):
            bracket = fold(chars[index]).text
            if bracket in _BRACKETS:
                chars[index] = _BRACKETS[bracket]
    return "".join(chars)
