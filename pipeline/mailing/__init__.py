"""The bulletin mailed to the lists: one copy per subscriber, filled and sent through outbound."""
