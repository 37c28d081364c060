"""`mln doctor`: check a configuration end to end, one small module per thing checked.

Each check returns a `Check` (what, how it went, what to do); nothing here prints.
`mln doctor mail` (pipeline/doctor/mail.py) looks at the DNS records receivers judge a bulletin by.
"""

from pipeline.doctor.checks import Check, Report
from pipeline.doctor.run import DEFAULT_PROBE_TIMEOUT, run_checks, run_doctor

__all__ = ["DEFAULT_PROBE_TIMEOUT", "Check", "Report", "run_checks", "run_doctor"]
