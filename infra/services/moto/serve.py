"""moto's server (S3 + IAM) with IAM enforced, for the object-store tests (infra/services/moto.sh).

Run as `python3 serve.py -H 127.0.0.1 -p PORT` with INITIAL_NO_AUTH_ACTION_COUNT set: the first
that many requests are not authenticated (setup-users.py makes exactly that many), every later
one is checked against the caller's IAM policies.

One correction before the server starts: moto checks a request's signature against the URL as
werkzeug rebuilds it, which decodes `%2F` in the query string, while every SDK signs the encoded
form. Any request with a `/` in a query value (a listing with `prefix=plugins/...`) would then fail
with SignatureDoesNotMatch. The check is given the query string exactly as it arrived.
"""

import sys
from urllib.parse import urlsplit, urlunsplit

from moto.core.authorization import ActionAuthenticatorMixin
from moto.server import main

_check = ActionAuthenticatorMixin._authenticate_and_authorize_action


def _check_with_raw_query(self, iam_request_cls, resource="*"):
    environ = getattr(getattr(self, "request", None), "environ", None) or {}
    raw_query = environ.get("QUERY_STRING", "")
    if not raw_query:
        return _check(self, iam_request_cls, resource)
    rebuilt = self.uri
    self.uri = urlunsplit(urlsplit(rebuilt)._replace(query=raw_query))
    try:
        return _check(self, iam_request_cls, resource)
    finally:
        self.uri = rebuilt


ActionAuthenticatorMixin._authenticate_and_authorize_action = _check_with_raw_query

if __name__ == "__main__":
    main(sys.argv[1:])
