"""The wording of counts and progress in qari's messages ("2 sentences", "downloading 3.1/40.0 MB").

Separate because the reader's notifications and status lines and the CLI say these the same
way; they are pure functions of numbers, so they live in the core (tested without Textual)
rather than beside the widgets that show them.
"""

from __future__ import annotations

__all__ = ["install_progress_text", "plural"]


def plural(count: int, word: str, words: str | None = None) -> str:
    """`1 sentence`, `2 sentences` (`words` for irregular plurals)."""
    return f"{count} {word}" if count == 1 else f"{count} {words or word + 's'}"


def install_progress_text(args: tuple) -> tuple[str, float | None]:
    """Turn whatever `reader.translation.packages.install_pair` reports into (text, fraction)."""
    if len(args) == 2 and isinstance(args[0], (int, float)) and isinstance(args[1], (int, float, type(None))):
        done, total = args
        if total:
            return f"downloading {done / 1e6:.1f}/{total / 1e6:.1f} MB", done / total
        return f"downloading {done / 1e6:.1f} MB", None
    if len(args) == 1 and isinstance(args[0], str):
        return args[0], None
    return " ".join(str(a) for a in args), None
