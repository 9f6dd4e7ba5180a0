# redflag service image: the same commands as the README (scripts/serve.sh).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /app

# Dependencies first, so code changes do not reinstall them.
COPY requirements.lock pyproject.toml README.md ./
COPY scripts/ scripts/
COPY app/ app/
COPY model/ model/
RUN bash scripts/bootstrap.sh \
    && useradd --system --uid 10001 --home-dir /app redflag \
    && chown -R redflag /app

USER 10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["/app/.venv/bin/python", "-c", "import httpx,sys; sys.exit(httpx.get('http://127.0.0.1:8000/health').status_code != 200)"]

CMD ["bash", "scripts/serve.sh", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
