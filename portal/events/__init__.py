"""Players and the events advertisers send about them."""
