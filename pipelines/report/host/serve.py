"""Serve the insights report over HTTPS: the reporting host's web server (stdlib only).

    python3 serve.py --root DIR --cert cert.pem --key key.pem [--bind 0.0.0.0] [--port 443]

Only GET and HEAD of files under DIR (no directory listings, no dotfiles, no symlinks out of
DIR); TLS 1.2 or later; every response carries a Content-Security-Policy that forbids scripts
and every fetch, so the page renders with what it carries. Who may connect is the security
group's business (the environment's `allowed_cidrs`); this server trusts the network it is on
no further than that. One line per request goes to stderr (the journal under systemd).
"""
from __future__ import annotations

import argparse
import http.server
import os
import ssl
import sys
from functools import partial

HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                               "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "Strict-Transport-Security": "max-age=31536000",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


class Handler(http.server.SimpleHTTPRequestHandler):
    server_version = "dap-report"
    sys_version = ""

    def end_headers(self) -> None:
        for name, value in HEADERS.items():
            self.send_header(name, value)
        super().end_headers()

    def send_head(self):  # noqa: ANN201 (the base class's signature)
        path = self.translate_path(self.path)
        root = os.path.realpath(self.directory)
        real = os.path.realpath(path)
        parts = self.path.split("?", 1)[0].split("/")
        if os.path.isdir(real):
            real = os.path.join(real, "index.html")
        outside = os.path.commonpath([root, real]) != root
        if outside or any(p.startswith(".") and p not in ("", ".") for p in parts) \
                or not os.path.isfile(real):
            self.send_error(404, "Not Found")
            return None
        return super().send_head()

    def list_directory(self, path):  # noqa: ANN001, ANN201
        self.send_error(404, "Not Found")
        return None

    def log_message(self, fmt: str, *args) -> None:  # noqa: ANN002
        sys.stderr.write("%s %s\n" % (self.address_string(), fmt % args))


def context(cert: str, key: str) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert, key)
    return ctx


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Serve the insights report over HTTPS.")
    p.add_argument("--root", required=True, help="the folder holding index.html")
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--bind", default="0.0.0.0")
    p.add_argument("--port", type=int, default=443)
    a = p.parse_args(argv)
    try:
        ctx = context(a.cert, a.key)
        server = http.server.ThreadingHTTPServer(
            (a.bind, a.port), partial(Handler, directory=a.root))
    except (OSError, ssl.SSLError) as e:
        print(f"serve: {e}", file=sys.stderr)
        return 1
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    print(f"serve: https://{a.bind}:{server.server_address[1]}/ from {a.root}",
          file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
