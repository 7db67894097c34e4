# citywatch worker, consumers and dashboard.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY pipeline ./pipeline
COPY schemas ./schemas
COPY consumers ./consumers
RUN pip install --no-cache-dir .
USER nobody
ENTRYPOINT ["citywatch"]
CMD ["worker"]
