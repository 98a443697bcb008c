"""Hostile article texts, and an independent model of what normalisation removes (shared by
test_robustness.py and test_hostile_inputs.py).

What normalisation removes (written independently of ``reader.article.normalise``):
  * the zero-width characters U+200B, U+200C, U+200D, U+2060, U+FEFF and the soft hyphen,
    except U+200D between two emoji (an emoji ZWJ sequence such as a family);
  * the bidi marks, embeddings, overrides and isolates U+200E, U+200F, U+061C,
    U+202A-U+202E, U+2066-U+2069;
  * control characters (Unicode category Cc) that are not whitespace.
Whitespace (spaces, tabs, odd spaces, line and paragraph separators, whitespace controls such
as form feed) may be unified, collapsed or turned into a line break, but never removed from
between two words. So the words of an article (its text split at whitespace) are exactly the
words of the input after the removals above, in order.
"""

from __future__ import annotations

import random
import unicodedata

from paths import SAMPLE

REMOVED_ALWAYS = frozenset("\u200b\u2060\ufeff\u00ad" "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e"
                           "\u2066\u2067\u2068\u2069")
ZWJ = "\u200d"
ZWNJ = "\u200c"


def is_emoji(ch: str) -> bool:
    cp = ord(ch)
    return (0x1F000 <= cp <= 0x1FAFF or 0x2600 <= cp <= 0x27BF or 0x2300 <= cp <= 0x23FF
            or 0x2B00 <= cp <= 0x2BFF)


def removed_by_normalisation(text: str, i: int) -> bool:
    ch = text[i]
    if ch in REMOVED_ALWAYS:
        return True
    if ch == ZWNJ:  # kept inside a word (Persian/Urdu/Kurdish spelling), dropped elsewhere
        return not (0 < i < len(text) - 1 and unicodedata.category(text[i - 1])[0] in "LM"
                    and unicodedata.category(text[i + 1])[0] in "LM")
    if ch == ZWJ:
        before = text[i - 1] if i else ""
        if before == "\ufe0f" and i >= 2:
            before = text[i - 2]
        after = text[i + 1] if i + 1 < len(text) else ""
        return not (before and after and is_emoji(before) and is_emoji(after))
    return unicodedata.category(ch) == "Cc" and not ch.isspace()


def expected_words(text: str) -> list[str]:
    """The words an article made from `text` must hold, in order."""
    kept = "".join(" " if ch.isspace() or unicodedata.category(ch) in ("Zs", "Zl", "Zp") else ch
                   for i, ch in enumerate(text) if not removed_by_normalisation(text, i))
    return kept.split()


# --------------------------------------------------------------------------------------
# The hostile articles
# --------------------------------------------------------------------------------------

LETTERS = "ابتثجحخدرزسشصضطعغفقكلمنهوي"


def long_sentence(words: int = 4000, seed: int = 4000) -> str:
    """One sentence of `words` distinct-looking Arabic words and no punctuation at all."""
    rng = random.Random(seed)
    return " ".join("".join(rng.choice(LETTERS) for _ in range(rng.randint(2, 7))) for _ in range(words))


MARKUP = (
    "[bold red]قال الرئيس[/] إن [link=https://evil.example/x]الحكومة[/link] ستعمل على تحسين الاقتصاد.\n"
    "[@click=app.quit]اضغط هنا[/] للخروج من البرنامج [b]فورا[/b] و [/bold] و [/] و [ و ] أيضا.\n"
    "وقال المتحدث :emoji: $var {x} [red on blue]نص ملون[/red on blue] \\[escaped] [i]مائل.\n"
)

BIDI = (
    "قال \u202eالرئيس\u202c إن \u2066English text\u2069 و\u2067عربي\u2069 \u2068mixed 123\u2069 "
    "\u200fهنا\u200e. ثم \u202bجملة\u202c \u202dثانية\u202c \u061cانتهت \u202a(نص)\u202c.\n"
    "\u2067وقال\u2069 \u2066Musk\u2069 \u2068٢٠٢٤\u2069 كلمات أخيرة \u202e\u202e\u202e بلا إغلاق.\n"
)

ZERO_WIDTH = (
    "قال\u200d الرئيس\u200c إن\u200b الحكومة\u2060 ستعمل\ufeff على\u00ad التحسين.\n"
    "كلمة\u200dكلمة و\u200cمثال ثم أسرة 👨\u200d👩\u200d👧 وعلم 🏳\ufe0f\u200d🌈 وقلب ❤\ufe0f\u200d🔥 أيضا.\n"
)

TASHKEEL_ONLY = "\u064e\u064f\u0650\u0651\u0652 \u064b\u064c\u064d \u0670\u0651\u064e\n"

EMOJI_ENGLISH = (
    "قال الرئيس 😀 إن Apple Inc. ستعمل 🇸🇦 على iPhone 15 في 2024. Hello world! هذا رائع 👍🏽.\n"
    "Elon Musk said: «the interview was great» 🎉 وأضاف ترامب أن CNN لم تحضر 🙄 Dr. Smith agreed.\n"
)

HOSTILE_TEXTS = {
    "4000-word sentence": long_sentence(),
    "markup": MARKUP,
    "bidi controls and isolates": BIDI,
    "zero-width joiners": ZERO_WIDTH,
    "only tashkeel": TASHKEEL_ONLY,
    "emoji and English": EMOJI_ENGLISH,
}


def big_article(min_bytes: int = 2_000_000, seed: int = 5) -> str:
    """About `min_bytes` of article text made from the sample's lines with their words
    shuffled (so sentences differ), each line ending in a number and a period."""
    lines = [line for line in SAMPLE.read_text(encoding="utf-8").splitlines() if line.strip()]
    rng = random.Random(seed)
    out: list[str] = []
    size = 0
    n = 0
    while size < min_bytes:
        for line in lines:
            words = line.split()
            body = words[:-1]
            rng.shuffle(body)
            text = " ".join([*body, words[-1], f"{n}."])
            n += 1
            out.append(text)
            size += len(text.encode("utf-8")) + 1
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------------------
# Terminal escapes in text from outside (titles, headers, package fields, file names)
# --------------------------------------------------------------------------------------

OSC_TITLE = "\x1b]2;PWNED-TITLE\x1b\\"
"""Renames the terminal window (OSC 2), ended by ST."""
OSC_CLIPBOARD = "\x1b]52;c;cHduZWQ=\x07"
"""Writes "pwned" to the clipboard / a tmux paste buffer (OSC 52), ended by BEL."""
ESCAPES = OSC_TITLE + OSC_CLIPBOARD + "\x1b[8m\x1bc\x9b31m\x9d2;C1-TITLE\x9c\x7f\x08"
"""Every kind at once: OSC title and clipboard, CSI (conceal), RIS (reset), the C1 CSI/OSC/ST,
DEL and backspace."""


def forbidden_controls(text: str) -> list[str]:
    """The characters of ``text`` that must never reach a terminal from qari: C0 controls but
    tab and newline, DEL, C1 controls. (The check is on characters, not raw
    bytes: UTF-8 continuation bytes of Arabic letters lie in 0x80-0x9f and are not controls.)"""
    return sorted({repr(ch) for ch in text
                   if (ord(ch) < 0x20 and ch not in "\t\n") or 0x7f <= ord(ch) <= 0x9f})


def assert_no_controls(*texts: str) -> None:
    for text in texts:
        bad = forbidden_controls(text)
        assert not bad, f"control characters {bad} in {text[-3000:]!r}"


NO_PROXY = {"http_proxy": "", "https_proxy": "", "HTTP_PROXY": "", "HTTPS_PROXY": "", "no_proxy": "*"}
"""No proxy between a test and its loopback server (a CI machine's proxy settings are ignored)."""


def run_clean(env, *args, timeout: float = 60, **kw):
    """Run ``qari ARGS`` in `env` (a `clirun.QariEnv`) and check what every hostile test checks:
    no traceback, and no control character reached stdout or stderr."""
    from clirun import assert_no_traceback

    result = env.run(*args, timeout=timeout, **{**NO_PROXY, **kw})
    assert_no_traceback(result)
    assert_no_controls(result.out, result.err)
    return result

