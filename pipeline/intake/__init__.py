"""Mail in: mailbox -> prepare -> inbox rules -> one handler -> store -> mailbox action."""
