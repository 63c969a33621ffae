# Tandem bot image: small, non-root, migrations applied on start by `tandem-bot run`.
# Production packages only: tests, benchmarks and the Bot API stand-in (fake_bot_api) stay out
# (.dockerignore keeps them out of the build context too).
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot bot
COPY handlers handlers
COPY storage storage
COPY core core
COPY services services
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DATABASE_URL=sqlite+aiosqlite:////data/tandem.sqlite3
RUN useradd --create-home --uid 10001 tandem && mkdir /data && chown tandem /data
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER tandem
WORKDIR /data
VOLUME ["/data"]
# Webhook mode listens here when TANDEM_WEBHOOK_URL is set; polling needs no port.
EXPOSE 8443
ENTRYPOINT ["tandem-bot"]
CMD ["run"]
