"""The partner guide's fenced blocks: which `sh` blocks run, in order (all but those marked
`<!-- not run: why -->` on the line before), and the other snippets by language."""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "guides" / "partner-onboarding.md"
NOT_RUN = re.compile(r"^\s*<!-- not run: .+ -->\s*$")
FENCE = re.compile(r"^( *)```(\w*)\n(.*?)^\1```$", re.MULTILINE | re.DOTALL)


@dataclass(frozen=True)
class Block:
    language: str
    code: str
    line: int  # of the opening fence, 1-based
    runs: bool


def blocks(text: str | None = None) -> list[Block]:
    text = GUIDE.read_text() if text is None else text
    found = []
    for match in FENCE.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        before = text[: match.start()].rstrip("\n ").rsplit("\n", 1)[-1]
        language = match.group(2)
        code = textwrap.dedent(match.group(1) + match.group(3))
        found.append(Block(language, code, line, language == "sh" and not NOT_RUN.match(before)))
    return found
