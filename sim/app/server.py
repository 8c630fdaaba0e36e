"""Serve the workshop page: ``python -m sim app [SCENARIO] [--host H] [--port P]``.

Solara's server (Starlette on uvicorn) in production mode: no code, no tracebacks and no
telemetry reach the page; every browser tab is its own light session in this one process.
"""

from __future__ import annotations

import json
import os

from sim.app.page import OPTIONS

DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8765


def serve(
    scenario: str = "pizza",
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    seed: int = 1,
    horizon: str = "90 d",
    reps: int = 10,
    workers: int | None = None,
    store: str | None = None,
) -> None:
    """Serve the app for ``scenario`` (a shipped name or a .toml path) until interrupted."""
    os.environ[OPTIONS] = json.dumps(
        {
            "scenario": scenario,
            "seed": seed,
            "horizon": horizon,
            "reps": reps,
            "workers": workers,
            "store": store,
        }
    )
    os.environ["SOLARA_APP"] = "sim.app.page"
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    os.environ.setdefault("SOLARA_MODE", "production")
    import uvicorn

    print(f"promise-gap workshop: open http://{host}:{port}/ (Ctrl-C to stop)", flush=True)
    uvicorn.run("solara.server.starlette:app", host=host, port=port, log_level="warning")
