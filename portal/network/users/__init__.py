"""Admin → Users: the staff administration of the network's users (a publisher's page invites its own through it)."""
