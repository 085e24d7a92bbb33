"""HTML that data cannot script: only http(s)/mailto IRIs become links, and every page carries a CSP.

IATI values such as `linked-data-uri` are IRIs the publisher chose; a
`javascript:` or `data:` IRI is a valid IRI, so escaping alone does not stop
it from running when clicked. Templates therefore make links with `href()`,
which answers None for any other scheme (the value is then shown as text).
The Content-Security-Policy is the second wall: scripts only from this server
or inline with the per-request nonce (the query page's own script), nothing
loaded from elsewhere, no plugins, no framing. Inline styles stay allowed
(YASGUI sets them; a style cannot run code).
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import Flask, current_app, g

LINK_SCHEMES = ("http", "https", "mailto")


def nonce() -> str:
    """This request's script nonce (made on first use)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def policy(script_nonce: str | None) -> str:
    scripts = "'self'" + (f" 'nonce-{script_nonce}'" if script_nonce else "")
    return ("default-src 'self'; " f"script-src {scripts}; " "style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
            "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def href(iri: str) -> str | None:
    """Where a link to `iri` should point: this server's page for devkg IRIs and UN SDG goals,
    targets and indicators, the IRI itself for other http(s)/mailto IRIs, None (no link) for
    any other scheme."""
    from graph.web.present import SDG_NS, sdg_code

    base = current_app.config["DEVKG"].base
    if iri.startswith(base + "id/") or iri.startswith(base + "def"):
        return "/" + iri[len(base):]
    if iri.startswith(SDG_NS) and sdg_code(iri):
        return "/sdg/" + sdg_code(iri)
    try:
        scheme = urlsplit(iri).scheme.lower()
    except ValueError:
        return None
    return iri if scheme in LINK_SCHEMES else None


def init_app(app: Flask) -> None:
    app.add_template_global(href, "href")
    app.add_template_global(nonce, "csp_nonce")

    @app.after_request
    def content_security_policy(resp):
        if resp.mimetype == "text/html":
            resp.headers["Content-Security-Policy"] = policy(g.get("csp_nonce"))
        return resp
