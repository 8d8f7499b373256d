"""Reads behind the portal pages, one module per page: ``home`` (the clients at a glance),
``readiness`` (the checklist and the counts behind it), ``give_access`` (who can be given
what), ``access_report`` ("why can't we see this ad account?"), ``search`` and ``reports``
(who holds what). Each is scoped to the staff member and shaped so a page costs a constant
number of queries whatever the number of clients (joins and annotations, no loops that
query); ``queries`` holds the query pieces they share."""
