# Production image of MTT Rücken: the same image runs web (the CMD), the Celery worker and beat
# (docker-compose.yml). Configuration comes from the environment (.env.example lists it).
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Runtime dependencies only, exactly as locked (hashes checked, nothing resolved at build time).
COPY requirements/base.txt requirements/base.txt
RUN pip install --require-hashes --no-deps -r requirements/base.txt

COPY . .

# Static files are collected into the image (var/static, served by WhiteNoise). The settings need
# DEBUG off and some SECRET_KEY to load; this one exists only during this build step.
RUN DEBUG=false SECRET_KEY=build-only-collectstatic-not-a-secret \
    python manage.py collectstatic --noinput --verbosity 0

# Run as an unprivileged user; var/ stays writable (Celery beat's schedule file lives there).
RUN useradd --system --user-group --uid 10001 --home-dir /app --no-create-home mtt \
    && mkdir -p var \
    && chown -R mtt:mtt var
USER mtt

EXPOSE 8000
CMD ["gunicorn", "mtt.wsgi", "--bind", "0.0.0.0:8000", "--workers", "2", "--no-control-socket", "--access-logfile", "-"]
