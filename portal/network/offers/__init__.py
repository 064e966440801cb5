"""Offers with their events, landing pages and publisher access: Admin → Offers and the publisher's offer list."""
