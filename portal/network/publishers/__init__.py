"""Admin → Publishers: the publisher verbs, its custom payouts and throttles, forms and pages."""
