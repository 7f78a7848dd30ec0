"""Access: roles, clearance, users, tokens, sessions and the tamper-evident audit log."""
