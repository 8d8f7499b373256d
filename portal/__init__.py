"""The staff pages ("the portal") inside the admin: home, onboarding, readiness, eligibility,
permission advisor, search, reports and offboarding. Views only read selectors and call
services; nothing here decides anything."""
