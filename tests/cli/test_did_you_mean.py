"""A mistyped command, at the top level or in a group, gets a "did you mean"."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from pipeline.cli import cli


@pytest.mark.parametrize(
    "args, typo, meant",
    [
        (["aprove", "3"], "aprove", "approve"),
        (["qeue"], "qeue", "queue"),
        (["hled"], "hled", "held"),
        (["bulletin", "sned"], "sned", "send"),
        (["rules", "chek"], "chek", "check"),
    ],
)
def test_a_mistyped_command_suggests_the_right_one(args, typo, meant):
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert f"No such command '{typo}'. Did you mean '{meant}'?" in result.output


def test_nothing_close_suggests_nothing():
    result = CliRunner().invoke(cli, ["xyzzy"])
    assert result.exit_code == 2 and "No such command 'xyzzy'." in result.output and "Did you mean" not in result.output
