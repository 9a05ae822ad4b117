# modsvc image: the web app (gunicorn), the Celery workers and the CLI all run from it.
# docker compose up --build   (see docker-compose.yml and docs/scaling.md)
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MODSVC_INSTANCE_DIR=/data \
    MODSVC_UPLOAD_DIR=/data/uploads \
    MODSVC_MODEL_DIR=/opt/modsvc/models \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1

WORKDIR /app

# CPU-only PyTorch first, pinned: any other spec pulls the CUDA build (gigabytes). Only needed to build
# the ONNX encoder below and for the optional Detoxify backends; scoring itself runs on onnxruntime.
RUN pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu

COPY pyproject.toml README.md ./
COPY modsvc ./modsvc
COPY workers ./workers
COPY seeds ./seeds
RUN pip install ".[detoxify]" "onnx>=1.16" \
    && python -m modsvc.analysis.export_onnx --out-dir "$MODSVC_MODEL_DIR"

RUN useradd --create-home --uid 10001 modsvc \
    && mkdir -p /data/uploads \
    && chown -R modsvc /data
USER modsvc
VOLUME ["/data"]
EXPOSE 8000

# The web app; the worker, beat and migrate services override the command (docker-compose.yml).
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "2", "--timeout", "120", "--access-logfile", "-", \
     "modsvc.app:create_app()"]
