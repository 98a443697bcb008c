"""The command line's rough edges from issue 22, read from its output as a user sees it."""

from __future__ import annotations

from clirun import QariEnv, assert_one_line_error
from paths import REPO, SAMPLE


def test_an_encoding_that_does_not_fit_is_named(no_model: QariEnv) -> None:
    """`--encoding latin-1` on a UTF-8 file: not "looks like a binary file" but that the
    encoding does not fit, and which one does."""
    result = no_model.run("translate", "--format", "text", "--encoding", "latin-1", SAMPLE)
    assert_one_line_error(result, 2)  # bad input, as for a binary file
    assert "binary" not in result.err
    assert "latin-1" in result.err and "utf-8" in result.err, result


def test_usage_names_every_subcommand_and_batch_help_matches_the_defaults(no_model: QariEnv) -> None:
    from reader.cli import COMMANDS

    usage = no_model.run("--help").out.split("\n\n")[0]
    assert all(command in usage for command in COMMANDS), usage
    batch_help = " ".join(no_model.run("batch", "--help").out.split())
    # README: inter_threads = the cores up to 4, intra_threads = the cores / that.
    assert "--inter-threads INTER_THREADS articles translated at once on the CPU (default: the cores, up to 4" \
        in batch_help, batch_help
    assert "(default: the cores / --inter-threads)" in batch_help, batch_help


def test_a_site_byline_is_not_exported_as_a_heading(no_model: QariEnv) -> None:
    """`زاد الاردن الاخباري -` above the headline is the site's byline: plain text in the
    Markdown export, not a `##` subheading."""
    result = no_model.run("translate", "--format", "markdown", SAMPLE)
    assert result.code == 0, result
    lines = result.out.splitlines()
    assert not any(line.startswith("## ") and "زاد الاردن" in line for line in lines), result.out[:800]
    assert any(line.startswith("زاد الاردن الاخباري") for line in lines), result.out[:800]


def test_summary_date_is_the_articles_when_the_page_has_one(no_model: QariEnv) -> None:

    page = REPO / "tests" / "fixtures" / "pages" / "alofuq_desalination.html"  # published 2024-03-12
    dated = no_model.run("summarize", "--no-translate", page)
    assert dated.code == 0, dated
    assert "- Date: 2024-03-12 (published)" in dated.out.splitlines(), dated.out[:600]
    undated = no_model.run("summarize", "--no-translate", SAMPLE)
    line = next(line for line in undated.out.splitlines() if line.startswith("- Date: "))
    assert line.endswith(" (summarized)"), line
