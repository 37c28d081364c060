"""MLN Bulletin: a managed learning network's reporting templates in by email, a reviewed bulletin out.

The message flow, one module each: sources/ (fetch) -> rules (route) ->
handlers/ (one per outcome) -> store (record) -> sources/ (mailbox action).
Sending is separate: bulletin -> outbox -> smtp.
"""

__version__ = "0.1.0"
