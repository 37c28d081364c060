"""Mail out: render the bulletin (bulletin/) -> outbox (spool: outbox.py, spool_ahead.py) -> the sending run
(sender.py, claims.py) -> SMTP (smtp.py). Knows nothing of subscribers: fillers and hooks are passed in
(pipeline/mailing/delivery.py)."""
