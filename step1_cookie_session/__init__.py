"""Step 1 of the sessions workshop: the whole session lives in the cookie.

Run it with ``python -m step1_cookie_session`` and read the cookie in devtools.
"""
