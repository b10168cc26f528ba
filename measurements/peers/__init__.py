"""The stacks that learners would pick instead, each beside its framework's no-session baseline,
for measurements/session_costs.py. Each serves the workshop's three routes and does what they do."""
