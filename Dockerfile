# One image for every production process: web (gunicorn), worker and beat (celery), migrate.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=governance.settings

# DejaVu Sans: the RSO report's PDF draws text beyond Latin script with it (REPORT_PDF_FONT).
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
RUN useradd --create-home --uid 1000 governance

COPY pyproject.toml README.md constraints.txt ./
COPY governance ./governance
COPY evals ./evals
COPY trust ./trust
# Editable, so the code runs from /app (where templates and static files are), never from a
# second copy in site-packages. The versions are the lock's (constraints.txt, `make lock`).
RUN pip install --constraint constraints.txt -e .

COPY manage.py ./
COPY templates ./templates
COPY static ./static
# collectstatic needs a key to import settings; it is not the one the container runs with.
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput

RUN mkdir -p /app/media && chown governance /app/media
USER governance
EXPOSE 8000
CMD ["gunicorn", "governance.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
