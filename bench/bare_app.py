"""The baseline for bench/tracking.py: the least a Flask app can do for a click and a pixel."""
from flask import Flask, redirect

from portal.tracking.api import NO_CACHE, PIXEL

app = Flask(__name__)


@app.get("/r")
def bare_redirect():
    response = redirect("https://brand.example/join?utm_source=aff&click_id=0190f0e0-0000-7000-8000-000000000000", 302)
    response.headers.update(NO_CACHE)
    return response


@app.get("/p")
def bare_pixel():
    return PIXEL, 200, {"Content-Type": "image/gif", "Content-Length": str(len(PIXEL)), **NO_CACHE}
