"""gunicorn's settings, read from the working directory by every gunicorn start (make run,
Dockerfile, docker-compose.yml). The access log leaves out query strings, secrets in paths and
e-mail addresses (mtt/logging.py); docs/security.md explains why."""

logger_class = "mtt.logging.AccessLogger"
