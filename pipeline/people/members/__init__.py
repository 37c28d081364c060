"""Team leaders: who they are, which themes they lead, reminders, and who has reported."""

from pipeline.people.members.compliance import compliance_report
from pipeline.people.members.registry import (
    MemberInput,
    add_member,
    as_dict,
    import_csv,
    is_member,
    list_members,
    remove_member,
    resolve_themes,
)
from pipeline.people.members.reminders import send_reminders

__all__ = [
    "MemberInput",
    "add_member",
    "as_dict",
    "compliance_report",
    "import_csv",
    "is_member",
    "list_members",
    "remove_member",
    "resolve_themes",
    "send_reminders",
]
