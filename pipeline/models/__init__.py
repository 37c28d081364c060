"""SQLAlchemy models, one module per area. Import from here."""
from .base import Base, UTCDateTime, utcnow
from .bulletins import BULLETIN_STATUSES, Bulletin, BulletinEntry, BulletinRendition
from .intake import OUTCOMES, Attachment, MailboxState, Message
from .members import JobRun, Member, ReminderSent
from .outgoing import OUTGOING_STATUSES, AutoReplyCount, Outgoing
from .review import AUDIT_ACTIONS, AuditEvent
from .submissions import SUBMISSION_STATUSES, FileNoSequence, Item, Submission
from .subscribers import SUBSCRIBER_STATUSES, BounceDay, ForgottenAddress, ListMembership, Subscriber, UsedToken
from .worker import WorkerHeartbeat

__all__ = [
    "Base", "UTCDateTime", "utcnow",
    "BULLETIN_STATUSES", "Bulletin", "BulletinEntry", "BulletinRendition",
    "OUTCOMES", "Attachment", "MailboxState", "Message",
    "JobRun", "Member", "ReminderSent", "WorkerHeartbeat",
    "OUTGOING_STATUSES", "AutoReplyCount", "Outgoing",
    "AUDIT_ACTIONS", "AuditEvent",
    "SUBMISSION_STATUSES", "FileNoSequence", "Item", "Submission",
    "SUBSCRIBER_STATUSES", "BounceDay", "ForgottenAddress", "ListMembership", "Subscriber", "UsedToken",
]
