"""Mail out: render the bulletin -> outbox (spool) -> SMTP. Knows nothing of subscribers: fillers and hooks are passed in."""
