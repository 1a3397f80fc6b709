# The embedded identity provider (deploy/issuer.py) for docker-compose. Build
# from the repository root:
#   docker build -f deploy/issuer.Dockerfile -t waste/issuer .
# It alone holds the signing keys, in the /keys volume (made on first start).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    KEYS_DIR=/keys

WORKDIR /app
COPY constraints.txt constraints.txt
# The issuer runs on the services' stack (gunicorn, PyJWT, cryptography).
COPY collections_service/requirements.txt collections_service/requirements.txt
RUN pip install --no-cache-dir -r collections_service/requirements.txt -c constraints.txt \
    && useradd --system --uid 10001 --no-create-home service \
    && mkdir /keys && chown 10001 /keys

COPY service_kit service_kit
COPY deploy deploy

USER 10001
VOLUME /keys
EXPOSE 5401
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:5401/.well-known/jwks.json', timeout=2)"]
CMD ["gunicorn", "--config", "deploy/issuer.conf.py", \
     "--bind", "0.0.0.0:5401", "deploy.issuer:create_app()"]
