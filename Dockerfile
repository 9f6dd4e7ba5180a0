# redflag service image: the same commands as the README (scripts/serve.sh).
# Two stages: bootstrap (which installs gcc to build the C extension) runs in the first;
# the second gets the built /app without the compiler.
FROM python:3.11-slim-bookworm AS build

ENV PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    REDFLAG_CACHE_DIR=/app/.cache/redflag

WORKDIR /app

COPY requirements.lock pyproject.toml setup.py README.md ./
COPY scripts/ scripts/
COPY app/ app/
COPY model/ model/
RUN bash scripts/bootstrap.sh

FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    REDFLAG_CACHE_DIR=/app/.cache/redflag

WORKDIR /app
COPY --from=build /app /app
RUN useradd --system --uid 10001 --home-dir /app redflag \
    && chown -R redflag /app

USER 10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["/app/.venv/bin/python", "-c", "import httpx,sys; sys.exit(httpx.get('http://127.0.0.1:8000/health').status_code != 200)"]

CMD ["bash", "scripts/serve.sh", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
