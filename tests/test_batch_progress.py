"""`qari batch` progress counts sentences as they are translated, not only finished articles
(issue 22, defect 9): one long article no longer freezes the line and its ETA."""

from __future__ import annotations

import io
import re

from reader import batch

LINE = re.compile(r"qari: (\d+)/(\d+) articles .*?, (\d+) sentences, [\d.]+ sentences/s, ETA (\S+)")


def test_progress_moves_while_a_long_article_is_translated(tmp_path, sample_text, app_tiny_model):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a-short.txt").write_text(sample_text, encoding="utf-8")
    (corpus / "b-long.txt").write_text("\n".join([sample_text] * 12), encoding="utf-8")
    stream = io.StringIO()
    settings = batch.BatchSettings(batch_tokens=256, use_cache=False)
    summary = batch.run([str(corpus)], tmp_path / "out", settings=settings, translator=app_tiny_model(),
                        progress=batch.Progress(stream, interval=0, rich=False))
    assert summary.done == 2
    lines = [tuple(m.groups()) for m in map(LINE.search, stream.getvalue().splitlines()) if m]
    assert lines, stream.getvalue()
    # While the long article runs (1 of 2 articles finished), the sentence count goes up.
    during = [int(sentences) for finished, total, sentences, _ in lines if finished == "1" and total == "2"]
    assert len(during) >= 3 and during == sorted(during) and during[-1] > during[0], stream.getvalue()
    # ... and the ETA is an estimate, not "0" or "?" while sentences are left.
    assert all(eta not in ("0", "?") for finished, _, _, eta in lines[1:-1] if finished == "1"), stream.getvalue()
    finished, total, sentences, eta = lines[-1]
    assert (finished, total, int(sentences), eta) == ("2", "2", summary.sentences, "0")
