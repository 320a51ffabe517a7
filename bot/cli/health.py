"""`pricebot health`: ask a running pricebot whether it is alive (or ready), for probes."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.settings import load_settings


def health(
    ready: Annotated[
        bool,
        typer.Option("--ready", help="Ask /readyz (database reachable and migrated) instead."),
    ] = False,
    url: Annotated[
        str | None,
        typer.Option(
            "--url",
            help="Base URL of the pricebot to ask; default: PRICEBOT_HTTP_HOST (loopback when it "
            "is 0.0.0.0) on PRICEBOT_HTTP_PORT.",
            show_default=False,
        ),
    ] = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the answer.")] = 4.0,
) -> None:
    """Exit 0 if the pricebot on this host answers /healthz (or /readyz) with 200, else 1.

    The container HEALTHCHECK and the systemd watchdog-free setups use it; the
    answer's body is printed either way.
    """
    import httpx

    if url is None:
        settings = load_settings()
        # Listening on every address: ask over loopback; on one address: ask there.
        host = (
            settings.http_host if settings.http_host not in ("0.0.0.0", "::", "") else "127.0.0.1"
        )
        url = f"http://{f'[{host}]' if ':' in host else host}:{settings.http_port}"
    base = url
    path = "/readyz" if ready else "/healthz"
    try:
        answer = httpx.get(base.rstrip("/") + path, timeout=timeout)
    except httpx.HTTPError as exc:
        typer.echo(f"unhealthy: {base}{path}: {exc or type(exc).__name__}", err=True)
        raise typer.Exit(1) from None
    typer.echo(answer.text.strip())
    if answer.status_code != 200:
        raise typer.Exit(1)
