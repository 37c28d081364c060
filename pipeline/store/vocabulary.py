"""The words the database stores for each state, without SQLAlchemy: for the models, and for the
read commands (store/reader.py), which must not import the models to know them."""

SUBMISSION_STATUSES = ("pending", "needs_changes", "approved", "rejected")
# What happened to a message. "pending_action" is not one: the mailbox action is tracked in `action_done`.
OUTCOMES = ("processed", "held", "ignored", "quarantined", "duplicate")
SUBSCRIBER_STATUSES = ("pending", "active", "unsubscribed", "disabled")
OUTGOING_STATUSES = ("queued", "sent", "failed", "cancelled")  # cancelled: its bulletin was cancelled
BULLETIN_STATUSES = ("draft", "approved", "sent", "cancelled")
AUDIT_ACTIONS = ("approve", "reject", "request_changes", "edit", "resent", "repeat", "asked", "merge", "keep_separate")
# The lawful bases a consent record may name (UK GDPR Article 6).
LAWFUL_BASES = ("consent", "legitimate-interests")
