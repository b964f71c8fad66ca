"""gunicorn's settings, read from the working directory by every gunicorn start (make run,
Dockerfile, docker-compose.yml), so the web process runs the same everywhere; only the address
(``--bind``) differs. The access log leaves out query strings, secrets in paths and e-mail
addresses (mtt/logging.py; docs/security.md explains why) and its lines look like every other
process's: ISO 8601 time in UTC, level, logger name, message."""

import os

logger_class = "mtt.logging.AccessLogger"
accesslog = "-"
# The layout of every other log line (mtt.logging.IsoFormatter): time (ISO 8601, UTC), level,
# logger name, message.
access_log_format = '%(t)s INFO gunicorn.access %(h)s "%(r)s" %(s)s %(b)s %(M)sms'
# WEB_CONCURRENCY: worker processes (gunicorn's own variable); two fit a small server.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# gunicorn's control socket is for `gunicornc`, which nothing here uses.
control_socket_disable = True
