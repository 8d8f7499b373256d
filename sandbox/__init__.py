"""A local stand-in for Meta's Graph API (Business Management edges).

Plain Python: the WSGI app, the world and the scenarios import nothing from Django, so the sandbox
runs standalone (``python -m sandbox``-style scripts, pytest fixtures) as well as through the
``run_sandbox`` management command.
"""
