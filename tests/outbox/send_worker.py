"""Run one sending pass in its own process, for the kill -9 tests.

python send_worker.py DB_URL SMTP_URL BASE_DIR [CRASH_AT]
"""

from __future__ import annotations

import sys

from pipeline.config import DatabaseSettings, DebugSettings, PathSettings, Settings, SmtpSettings
from pipeline.outbound.sender import send_due


def main() -> None:
    db_url, smtp_url, base_dir = sys.argv[1:4]
    crash_at = sys.argv[4] if len(sys.argv) > 4 else ""
    settings = Settings(
        database=DatabaseSettings(url=db_url),
        smtp=SmtpSettings(url=smtp_url, timeout=60.0),
        paths=PathSettings(outbox_dir="outbox"),
        debug=DebugSettings(crash_at=crash_at),
        base_dir=base_dir,
    )
    report = send_due(settings)
    print(report.sent, report.stopped)


if __name__ == "__main__":
    main()
