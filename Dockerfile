# One image for every process of docker-compose.yml (web, worker, beat, migrate).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 STATIC_ROOT=/app/staticfiles MEDIA_ROOT=/app/media
WORKDIR /app

RUN useradd --create-home --uid 1000 pim
COPY pyproject.toml constraints.txt README.md ./
RUN pip install -c constraints.txt .
COPY . .
# collectstatic needs settings that start; this throwaway key is used for the build step only.
RUN DEBUG=false SECRET_KEY=build-only-key-$(head -c 48 /dev/urandom | od -An -tx1 | tr -d ' \n') \
    ALLOWED_HOSTS=build python manage.py collectstatic --noinput -v0 \
    && mkdir -p /app/media && chown -R pim:pim /app/media

USER pim
EXPOSE 8000
CMD ["bin/web"]
