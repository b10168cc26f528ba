"""Starlette, under uvicorn: python -m measurements.peers.asgi PORT STACK

  starlette          no session
  starlette-cookie   Starlette's SessionMiddleware: the session in a signed cookie, as step 1's
                     --signed keeps it
"""

import sys
import time

import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.responses import HTMLResponse, PlainTextResponse
from starlette.routing import Route

from measurements.peers.wsgi import SECRET
from step1_cookie_session.app import FIRST_LOGIN, LOGGED_OUT, WELCOME


def app_for(with_sessions):
    async def page(request):
        return HTMLResponse("<!doctype html><title>登录</title>")

    async def login(request):
        form = await request.form()
        if with_sessions and request.session.get("usr"):
            return PlainTextResponse(WELCOME.format(request.session["usr"]))
        if with_sessions:
            request.session.clear()
            request.session.update(usr=form["usr"],
                                   login_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
        return PlainTextResponse(FIRST_LOGIN)

    async def logout(request):
        if with_sessions:
            request.session.clear()
        return PlainTextResponse(LOGGED_OUT)

    middleware = [Middleware(SessionMiddleware, secret_key=SECRET)] if with_sessions else []
    return Starlette(routes=[Route("/", page), Route("/login", login, methods=["POST"]),
                             Route("/logout", logout, methods=["POST"])], middleware=middleware)


if __name__ == "__main__":
    port, stack = int(sys.argv[1]), sys.argv[2]
    print(f"Peer: {stack}. Open http://127.0.0.1:{port}/", flush=True)
    uvicorn.run(app_for(stack == "starlette-cookie"), host="127.0.0.1", port=port,
                log_level="warning", access_log=False)
