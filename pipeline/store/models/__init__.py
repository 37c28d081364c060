"""SQLAlchemy models, one module per area. Import from here."""

from pipeline.store.models.base import Base, UTCDateTime, utcnow
from pipeline.store.models.bulletins import Bulletin, BulletinEntry, BulletinRendition
from pipeline.store.models.intake import Attachment, MailboxState, Message
from pipeline.store.models.meetings import MeetingChange
from pipeline.store.models.members import JobRun, Member, ReminderSent
from pipeline.store.models.outgoing import AutoReplyCount, Outgoing
from pipeline.store.models.review import AuditEvent
from pipeline.store.models.submissions import FileNoSequence, Item, Submission
from pipeline.store.models.subscribers import (
    Bounce,
    Complaint,
    ConsentRecord,
    ListMembership,
    Subscriber,
    Suppression,
    UsedToken,
)
from pipeline.store.models.worker import WorkerHeartbeat
from pipeline.store.vocabulary import (
    AUDIT_ACTIONS,
    BULLETIN_STATUSES,
    OUTCOMES,
    OUTGOING_STATUSES,
    SUBMISSION_STATUSES,
    SUBSCRIBER_STATUSES,
)

__all__ = [
    "Base",
    "UTCDateTime",
    "utcnow",
    "BULLETIN_STATUSES",
    "Bulletin",
    "BulletinEntry",
    "BulletinRendition",
    "OUTCOMES",
    "Attachment",
    "MailboxState",
    "Message",
    "MeetingChange",
    "JobRun",
    "Member",
    "ReminderSent",
    "WorkerHeartbeat",
    "OUTGOING_STATUSES",
    "AutoReplyCount",
    "Outgoing",
    "AUDIT_ACTIONS",
    "AuditEvent",
    "SUBMISSION_STATUSES",
    "FileNoSequence",
    "Item",
    "Submission",
    "SUBSCRIBER_STATUSES",
    "Bounce",
    "Complaint",
    "ConsentRecord",
    "ListMembership",
    "Subscriber",
    "Suppression",
    "UsedToken",
]
