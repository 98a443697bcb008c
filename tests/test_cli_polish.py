"""The command line's rough edges from issue 22, read from its output as a user sees it."""

from __future__ import annotations

from clirun import SAMPLE, QariEnv, assert_one_line_error


def test_an_encoding_that_does_not_fit_is_named(no_model: QariEnv) -> None:
    """`--encoding latin-1` on a UTF-8 file: not "looks like a binary file" but that the
    encoding does not fit, and which one does."""
    result = no_model.run("translate", "--format", "text", "--encoding", "latin-1", SAMPLE)
    assert_one_line_error(result, 2)  # bad input, as for a binary file
    assert "binary" not in result.err
    assert "latin-1" in result.err and "utf-8" in result.err, result
