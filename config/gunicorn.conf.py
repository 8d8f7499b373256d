"""Gunicorn, the portal's WSGI server in production:

    DJANGO_SETTINGS_MODULE=config.settings.production gunicorn -c config/gunicorn.conf.py

Override any value per deployment on the command line or in GUNICORN_CMD_ARGS
(e.g. ``GUNICORN_CMD_ARGS="--bind 0.0.0.0:8080 --workers 5"``).
"""

import multiprocessing

wsgi_app = "config.wsgi:application"
bind = "0.0.0.0:8000"
# Pages are short database reads; the few that call Meta (connect, the Login callback) wait at
# most the Graph client's timeouts, well inside ``timeout``.
workers = min(2 * multiprocessing.cpu_count() + 1, 9)
worker_class = "gthread"
threads = 4
timeout = 90
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then, so a slow leak never grows unbounded.
max_requests = 1000
max_requests_jitter = 100
# Logs to stdout/stderr for the platform to collect. The access log has the path without its
# query string: a Login callback's ?code=… or a token in a link must never reach a log.
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(L)ss "%(a)s"'
# Behind a TLS-terminating proxy on the same host; widen for a load balancer's addresses.
forwarded_allow_ips = "127.0.0.1"
