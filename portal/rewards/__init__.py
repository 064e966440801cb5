"""Earnings, points, the rewards catalogue and redemptions."""
