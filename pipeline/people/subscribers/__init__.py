"""Subscribers: the lists, joining / confirming / leaving, tokens and bounces."""
from pipeline.people.subscribers.bounces import BounceResult, bounce_list, record_hard_bounce, smtp_hard_bounce_hook
from pipeline.people.subscribers.joining import (
    Outcome, ask_to_confirm_leaving, bounce_address, confirm, list_unsubscribe_headers, request_join, unsubscribe_address,
    unsubscribe_by_token, unsubscribe_link,
)
from pipeline.people.subscribers.registry import (
    ImportReport, add, approve, as_dict, export_csv, find, forget, import_csv, is_forgotten, list_subscribers,
    normalise_address, recipients, recipients_of, remove,
)
from pipeline.people.subscribers.tokens import InvalidToken, consume_token, find_token, make_token, read_token, token_address

__all__ = [
    "BounceResult", "ImportReport", "InvalidToken", "Outcome",
    "add", "approve", "as_dict", "ask_to_confirm_leaving", "bounce_address", "bounce_list", "confirm", "consume_token", "export_csv", "find",
    "find_token", "forget", "import_csv", "is_forgotten", "list_subscribers", "list_unsubscribe_headers",
    "make_token", "normalise_address", "read_token", "recipients", "recipients_of", "record_hard_bounce", "remove", "request_join",
    "smtp_hard_bounce_hook", "token_address", "unsubscribe_address", "unsubscribe_by_token", "unsubscribe_link",
]
