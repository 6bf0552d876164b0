"""Entry point: ``python run.py`` (development server) or ``gunicorn run:app`` (production)."""

import os

from grants import create_app

app = create_app()

if __name__ == "__main__":
    app.run(host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", "5000")))
