"""The Python peers, served as the steps are (waitress, 8 threads, the same switch interval):
python -m measurements.peers.wsgi PORT STACK [REDIS_URL]

  bottle          step 1's app with no session at all: the steps' own baseline
  flask           Flask, no session           flask-session   Flask-Session on Redis
  django          Django, no session          django-cache    cache sessions on Django's Redis cache
                                              django-signed   Django's signed-cookie sessions

Each session app welcomes a live session by name and otherwise stores usr and
login_at, as the steps do; logout ends the session.
"""

import argparse
import sys
import time

from step1_cookie_session.app import (FIRST_LOGIN, LOGGED_OUT, MAX_FORM_BYTES, WELCOME,
                                      create_app)
from plumbing.server import bind, serve

SECRET = "a-peer-benchmark-secret-of-32-chars"


class NoSessions:
    """The steps' session interface, keeping nothing: what the app costs without a session."""

    def load(self, request):
        return {}

    def save(self, request, response, session):
        pass

    def clear(self, request, response):
        pass


def login_at():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def flask_app(with_sessions, redis_url):
    from flask import Flask, request, session
    app = Flask(__name__)
    app.secret_key = SECRET
    if with_sessions:
        import redis
        from flask_session import Session
        app.config.update(SESSION_TYPE="redis", SESSION_REDIS=redis.from_url(redis_url),
                          SESSION_KEY_PREFIX="SESSION:")
        Session(app)

    @app.get("/")
    def page():
        return "<!doctype html><title>登录</title>"

    @app.post("/login")
    def login():
        usr = request.form["usr"]
        if with_sessions and session.get("usr"):
            return WELCOME.format(session["usr"]), {"Content-Type": "text/plain; charset=utf-8"}
        if with_sessions:
            session.clear()
            session.update(usr=usr, login_at=login_at())
        return FIRST_LOGIN, {"Content-Type": "text/plain; charset=utf-8"}

    @app.post("/logout")
    def logout():
        if with_sessions:
            session.clear()
        return LOGGED_OUT, {"Content-Type": "text/plain; charset=utf-8"}

    return app


def django_app(engine, redis_url):
    from django.conf import settings
    from django.http import HttpResponse
    from django.urls import path
    from django.views.decorators.http import require_POST
    middleware = ["django.contrib.sessions.middleware.SessionMiddleware"] if engine else []
    settings.configure(
        DEBUG=False, SECRET_KEY=SECRET, ALLOWED_HOSTS=["*"], ROOT_URLCONF=__name__,
        MIDDLEWARE=middleware, INSTALLED_APPS=["django.contrib.sessions"] if engine else [],
        SESSION_ENGINE=engine or "django.contrib.sessions.backends.cache",
        CACHES={"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                            "LOCATION": redis_url or "redis://127.0.0.1:6379/0",
                            "KEY_PREFIX": "SESSION"}})
    import django
    django.setup()

    def text(body):
        return HttpResponse(body, content_type="text/plain; charset=utf-8")

    @require_POST
    def login(request):
        if engine and request.session.get("usr"):
            return text(WELCOME.format(request.session["usr"]))
        if engine:
            request.session.cycle_key()
            request.session.update({"usr": request.POST["usr"], "login_at": login_at()})
        return text(FIRST_LOGIN)

    @require_POST
    def logout(request):
        if engine:
            request.session.flush()
        return text(LOGGED_OUT)

    globals()["urlpatterns"] = [path("", lambda request: HttpResponse("<!doctype html>")),
                                path("login", login), path("logout", logout)]
    from django.core.wsgi import get_wsgi_application
    return get_wsgi_application()


STACKS = {
    "bottle": lambda url: create_app(NoSessions()),
    "flask": lambda url: flask_app(False, url),
    "flask-session": lambda url: flask_app(True, url),
    "django": lambda url: django_app(None, url),
    "django-cache": lambda url: django_app("django.contrib.sessions.backends.cache", url),
    "django-signed": lambda url: django_app("django.contrib.sessions.backends.signed_cookies",
                                            url),
}


if __name__ == "__main__":
    port, stack, redis_url = int(sys.argv[1]), sys.argv[2], (sys.argv[3:] or [None])[0]
    args = argparse.Namespace(host="127.0.0.1", port=port, quiet=True)
    serve(bind(STACKS[stack](redis_url), args, MAX_FORM_BYTES), args, [f"Peer: {stack}."])
