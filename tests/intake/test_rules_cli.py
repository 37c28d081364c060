"""`mln rules check` names the file and line of each problem; `mln rules explain` says why."""

from __future__ import annotations

import json

from click.testing import CliRunner
from fixtures.samples import MESSAGES

from pipeline.cli import cli
from pipeline.intake.rule_files import load_rules
from pipeline.intake.rules import route
from pipeline.mail import parse_mail


def rules_dir(tmp_path, files: dict[str, str]):
    folder = tmp_path / "rules"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


def test_check_reports_every_problem_with_file_and_line(tmp_path):
    folder = rules_dir(
        tmp_path,
        {
            "10-a.toml": '[[rule]]\nname = "ok"\nhandler = "hold"\n\n[[rule]]\nname = "typo"\nhandler = "submision"\n',
            "20-b.toml": '[[rule]]\nname = "bad-regex"\nhandler = "hold"\nany = [ { subject = "(", match = "regex" } ]\n',
            "30-c.toml": '[[rule\nname = "broken"\n',
        },
    )

    result = CliRunner().invoke(cli, ["rules", "check", "--dir", str(folder)])

    assert result.exit_code == 1
    assert f"{folder}/10-a.toml:5: rule 'typo': unknown handler 'submision'" in result.output
    assert f"{folder}/20-b.toml:1: rule 'bad-regex': bad regex '('" in result.output
    assert f"{folder}/30-c.toml:1: not valid TOML" in result.output


def test_check_passes_on_the_shipped_rules():
    result = CliRunner().invoke(cli, ["rules", "check"])
    assert result.exit_code == 0 and "rules OK" in result.output


def test_explain_shows_each_rule_and_the_decision():
    result = CliRunner().invoke(cli, ["rules", "explain", str(MESSAGES / "dsn-bounce.eml")])

    assert result.exit_code == 0
    assert "[no] our-own-mail" in result.output
    assert "[DECIDES] bounces" in result.output
    assert "looks like bounce is True: yes" in result.output
    assert "=> handler bounce (rule bounces); then move to Processed/Bounces" in result.output


def test_explain_json_for_scripts():
    result = CliRunner().invoke(cli, ["rules", "explain", "--json", str(MESSAGES / "template-request.eml")])
    data = json.loads(result.output)
    assert data["handler"] == "template_request"
    assert [r["rule"] for r in data["rules"] if r["decided"]] == ["template-request"]


def test_a_rule_that_does_not_stop_adds_flags_and_options_and_lets_later_rules_decide(tmp_path):
    folder = rules_dir(
        tmp_path,
        {
            "10-tag.toml": '[[rule]]\nname = "from-trust"\nstop = false\nflag = "$Trust"\noptions = { list = "internal" }\n'
            'all = [ { from = "*@example.nhs.test", match = "glob" } ]\n',
            "20-hold.toml": '[[rule]]\nname = "rest"\nhandler = "hold"\n',
        },
    )
    mail = parse_mail((MESSAGES / "template-request.eml").read_bytes())

    routing = route(load_rules(folder), mail)

    assert routing.rule.name == "rest"
    assert routing.flags == ("$Trust",)
    assert routing.options["list"] == "internal"
    assert [t.matched for t in routing.traces] == [True, True]


def test_negated_and_header_conditions(tmp_path):
    folder = rules_dir(
        tmp_path,
        {
            "10.toml": '[[rule]]\nname = "no-attachment-from-outlook"\nhandler = "ignore"\n'
            'all = [ { has_attachment = ["docx"], not = true }, { header = "Content-Language", value = "en-GB" } ]\n',
            "90.toml": '[[rule]]\nname = "rest"\nhandler = "hold"\n',
        },
    )
    rules = load_rules(folder)
    receipt = parse_mail((MESSAGES / "read-receipt.eml").read_bytes())  # Outlook, no attachment
    outlook = parse_mail((MESSAGES / "outlook-submission-docx.eml").read_bytes())  # has a .docx

    assert route(rules, receipt).rule.name == "no-attachment-from-outlook"
    assert route(rules, outlook).rule.name == "rest"
