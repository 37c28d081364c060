"""The people the network knows: members (who send plans) and subscribers (who read the bulletin)."""
