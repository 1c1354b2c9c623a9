"""gunicorn settings read from the working directory by every gunicorn we start (the
Dockerfile's CMD, bench/_common.py's serve(), make contract). Command-line flags override them.

limit_request_line: gunicorn's default (4094 bytes) answers a longer request line itself, with
an HTML 414 that is not the API's error shape and that no operation documents. 8190 (gunicorn's
maximum, and nginx's default buffer) lets the app see the URLs a proxy in front would pass and
answer them (a bad query parameter: 400 in the one error shape). A longer request line still
gets gunicorn's 414, before any of our code runs.
"""
limit_request_line = 8190
