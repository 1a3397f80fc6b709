"""The Flask floor: the least a Flask view behind gunicorn can cost, one
fixed JSON answer (run with the services' gunicorn settings)."""

from flask import Flask

app = Flask(__name__)


@app.get("/fixed")
def fixed():
    """Answer a fixed JSON body."""
    return {"status": "ok"}
