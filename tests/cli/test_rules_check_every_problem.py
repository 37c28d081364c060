"""`mln rules check` lists every problem of every rule, each as FILE:LINE, with a "did you mean"."""

from __future__ import annotations

from click.testing import CliRunner

from pipeline.cli import cli

THREE_MISTAKES = """\
[[rule]]
name = "typos"
handler = "ignor"
any = [ { form = "x@example.org", match = "regexp" } ]

[[rule]]
name = "also-wrong"
handler = "hold"
stop = "no"
colour = "red"
all = [ { subject = "(", match = "regex" }, { auto_submitted = "yes" } ]
"""


def test_every_problem_of_every_rule_is_listed(tmp_path):
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "10-mistakes.toml").write_text(THREE_MISTAKES)

    result = CliRunner().invoke(cli, ["rules", "check", "--dir", str(folder)])

    assert result.exit_code == 1
    where = f"{folder}/10-mistakes.toml"
    # The lists of what is known grow with the code: each line is compared up to them.
    lines = [line.split(" (known: ")[0] for line in result.output.splitlines()]
    assert lines == [
        f"{where}:1: rule 'typos': unknown handler 'ignor'; did you mean 'ignore'?",
        f"{where}:1: rule 'typos': condition has unknown key 'form'; did you mean 'from'?",
        f"{where}:1: rule 'typos': match must be one of contains, glob, regex, equals, not 'regexp'; did you mean 'regex'?",
        f"{where}:6: rule 'also-wrong': unknown key 'colour'",
        f"{where}:6: rule 'also-wrong': stop must be true or false",
        f"{where}:6: rule 'also-wrong': bad regex '(': missing ), unterminated subpattern at position 0",
        f"{where}:6: rule 'also-wrong': auto_submitted must be true or false",
    ]
