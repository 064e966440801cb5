"""Admin → Advertisers: the advertiser verbs, forms and pages."""
