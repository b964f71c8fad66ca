# Production image of MTT Rücken: the same image runs web (the CMD), the Celery worker and beat
# (docker-compose.yml), with the commands `make run` uses (scripts/run.sh; tests/mtt/test_deploy.py
# compares them). Configuration comes from the environment (.env.example lists it); a .env file
# is not read unless ENV_FILE names one.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PROMETHEUS_MULTIPROC_DIR=/app/var/metrics

WORKDIR /app

# ffmpeg cuts a poster frame from an uploaded exercise video (programs/media.py; without it the
# video still plays, with a plain poster). Debian's package, nothing else, no recommends.
RUN apt-get update \
    && apt-get install --yes --no-install-recommends ffmpeg \
    && rm -rf /var/lib/apt/lists/*

# Runtime dependencies only, exactly as locked (hashes checked, nothing resolved at build time).
COPY requirements/base.txt requirements/base.txt
RUN pip install --require-hashes --no-deps -r requirements/base.txt

COPY . .

# Static files are collected into the image (var/static, served by WhiteNoise). The settings need
# DEBUG off, some SECRET_KEY and a database URL to load (collectstatic opens no database); these
# exist only during this build step.
RUN DEBUG=false SECRET_KEY=build-only-collectstatic-not-a-secret DATABASE_URL=sqlite://:memory: \
    python manage.py collectstatic --noinput --verbosity 0

# Run as an unprivileged user; var/ stays writable (Celery beat's schedule file lives there, and
# the processes' metrics files in var/metrics, docs/operations.md "Metrics").
RUN useradd --system --user-group --uid 10001 --home-dir /app --no-create-home mtt \
    && mkdir -p var/metrics var/media \
    && chown -R mtt:mtt var
USER mtt

EXPOSE 8000
# Workers, access log and its format: gunicorn.conf.py (WEB_CONCURRENCY sets the worker count).
CMD ["gunicorn", "mtt.wsgi", "--bind", "0.0.0.0:8000"]
