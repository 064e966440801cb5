"""Advertisers, offers, offer events, landing pages, publishers and their payout terms."""
