#!/usr/bin/env python3
"""Oracle: AWS's official MSK IAM signer (aws-msk-iam-sasl-signer-python) at a chosen instant.

Nothing here signs: tokens come from `MSKAuthTokenProvider.generate_auth_token(region)`, called
the way a user calls it, with static credentials in the environment (AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN) and no config or credentials files. The only change is
the clock: botocore's SigV4 signer takes "now" from `botocore.compat.get_current_datetime`, which
`botocore.auth` imports by name, so `botocore.auth.get_current_datetime` is patched to return the
requested instant while the call runs.

Modes (requests and results are JSON, one object per line):

  msk_signer.py tokens  < requests.jsonl
      each request: {"region": "us-east-1", "access_key_id": "...", "secret_access_key": "...",
                     "session_token": null | "...", "at": "2024-01-01T00:00:00Z"}
      each result:  {"token": "...", "expiry_ms": 1704068100000}
      then one line: {"signer": "aws-msk-iam-sasl-signer-python/1.0.2", "botocore": "1.44.5"}

  msk_signer.py bench --region us-east-1 --count 200 --sign-count 2000
      credentials from the caller's environment; real clock; times only the generate calls, in
      one process, after one warm-up call each:
        generate_auth_token(region)               as users call it (a botocore session per call)
        generate_auth_token_from_credentials_provider(region, p)   a static provider: signing only
      prints {"generate_auth_token": {"count", "seconds", "tokens_per_second"},
              "from_credentials_provider": {...}, "signer": ..., "botocore": ...}

Secrets arrive on stdin or in the environment, never on the command line.
"""

import argparse
import datetime
import importlib.metadata
import json
import os
import sys
import time
from unittest import mock

import botocore.auth
from aws_msk_iam_sasl_signer import MSKAuthTokenProvider
from botocore.credentials import CredentialProvider, Credentials

CREDENTIAL_VARS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")


def isolate_environment():
    """Static credentials only: no profile files, no instance metadata, no SSO cache."""
    for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE",
                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI"):
        os.environ.pop(var, None)
    os.environ["AWS_CONFIG_FILE"] = os.devnull
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"


def versions():
    return {
        "signer": "aws-msk-iam-sasl-signer-python/"
        + importlib.metadata.version("aws-msk-iam-sasl-signer-python"),
        "botocore": importlib.metadata.version("botocore"),
    }


def parse_instant(text):
    at = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if at.tzinfo is None:
        raise ValueError(f"instant {text!r} has no time zone")
    return at.astimezone(datetime.timezone.utc)


def token_at(region, at):
    """generate_auth_token(region) with botocore's clock reading `at`."""

    def fixed_now(remove_tzinfo=True):
        return at.replace(tzinfo=None) if remove_tzinfo else at

    with mock.patch.object(botocore.auth, "get_current_datetime", fixed_now):
        return MSKAuthTokenProvider.generate_auth_token(region)


def tokens():
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        os.environ["AWS_ACCESS_KEY_ID"] = req["access_key_id"]
        os.environ["AWS_SECRET_ACCESS_KEY"] = req["secret_access_key"]
        if req.get("session_token"):
            os.environ["AWS_SESSION_TOKEN"] = req["session_token"]
        else:
            os.environ.pop("AWS_SESSION_TOKEN", None)
        token, expiry_ms = token_at(req["region"], parse_instant(req["at"]))
        print(json.dumps({"token": token, "expiry_ms": expiry_ms}), flush=True)
    print(json.dumps(versions()), flush=True)


class StaticProvider(CredentialProvider):
    """The environment's credentials, loaded once: isolates the signing cost."""

    METHOD = "static"

    def __init__(self):
        super().__init__()
        self._creds = Credentials(os.environ["AWS_ACCESS_KEY_ID"],
                                  os.environ["AWS_SECRET_ACCESS_KEY"],
                                  os.environ.get("AWS_SESSION_TOKEN"))

    def load(self):
        return self._creds


def timed(call, count):
    call()  # warm-up: imports, botocore data
    spent = 0.0
    for _ in range(count):
        start = time.perf_counter()
        call()
        spent += time.perf_counter() - start
    return {"count": count, "seconds": spent, "tokens_per_second": count / spent}


def bench(region, count, sign_count):
    missing = [v for v in CREDENTIAL_VARS[:2] if not os.environ.get(v)]
    if missing:
        sys.exit(f"msk_signer.py bench: set {', '.join(missing)} in the environment")
    as_users_call = timed(lambda: MSKAuthTokenProvider.generate_auth_token(region), count)
    provider = StaticProvider()
    signing_only = timed(
        lambda: MSKAuthTokenProvider.generate_auth_token_from_credentials_provider(
            region, provider),
        sign_count)
    print(json.dumps({"generate_auth_token": as_users_call,
                      "from_credentials_provider": signing_only, **versions()}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    sub.add_parser("tokens", help="sign the requests read from stdin")
    b = sub.add_parser("bench", help="time generate_auth_token(region)")
    b.add_argument("--region", default="us-east-1")
    b.add_argument("--count", type=int, default=200)
    b.add_argument("--sign-count", type=int, default=2000)
    args = parser.parse_args()
    isolate_environment()
    if args.mode == "tokens":
        tokens()
    else:
        bench(args.region, args.count, args.sign_count)


if __name__ == "__main__":
    main()
