#!/usr/bin/env python3
"""An independent SCRAM server (RFC 5802, RFC 7677) for testing mskgate's Rust client.

Only the standard library (hashlib, hmac, base64). It speaks one exchange over stdin/stdout,
one message per line:

    client-first  ->  (stdin)
    server-first  <-  (stdout)
    client-final  ->  (stdin)
    server-final  <-  (stdout)   "v=..." if the proof verifies, else "e=invalid-proof"

Like a real server it keeps only StoredKey and ServerKey, and checks the proof by recovering
ClientKey = ClientProof XOR ClientSignature and comparing H(ClientKey) with StoredKey.

Misbehaviour for negative tests (--mode):
    honest           the default
    foreign-nonce    server nonce that does not start with the client nonce
    iterations=N     announce N iterations (and compute with N)
    error=TOKEN      answer the client-final with "e=TOKEN" whatever the proof
    forge-signature  send a server signature made with another password

If the client sends something unexpected the server answers "e=<token>" (RFC 5802 §7 names)
and says why on stderr; the exit status is 0 if the exchange succeeded, 1 otherwise.
"""

import argparse
import base64
import hashlib
import hmac
import os
import sys

HASHES = {"SCRAM-SHA-1": "sha1", "SCRAM-SHA-256": "sha256", "SCRAM-SHA-512": "sha512"}


def h(name, data):
    return hashlib.new(name, data).digest()


def mac(name, key, data):
    return hmac.new(key, data, name).digest()


def keys(name, password, salt, iterations):
    salted = hashlib.pbkdf2_hmac(name, password.encode("utf-8"), salt, iterations)
    client_key = mac(name, salted, b"Client Key")
    return h(name, client_key), mac(name, salted, b"Server Key")


def unescape_saslname(value):
    # RFC 5802 §5.1: "=2C" -> ",", "=3D" -> "="; any other "=" is malformed.
    out, i = [], 0
    while i < len(value):
        if value[i] == "=":
            code = value[i + 1 : i + 3]
            if code == "2C":
                out.append(",")
            elif code == "3D":
                out.append("=")
            else:
                raise ValueError("bad escape in saslname")
            i += 3
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


def attributes(message):
    """A message's attributes in order, as (name, value); raises ValueError if malformed."""
    pairs = []
    for part in message.split(","):
        if len(part) < 2 or part[1] != "=" or not part[0].isalpha():
            raise ValueError("malformed attribute %r" % part[:8])
        pairs.append((part[0], part[2:]))
    return pairs


def line():
    text = sys.stdin.readline()
    if not text:
        raise EOFError("client closed the exchange")
    return text.rstrip("\n")


def send(message):
    sys.stdout.write(message + "\n")
    sys.stdout.flush()


def fail(token, why):
    sys.stderr.write("oracle: %s (%s)\n" % (why, token))
    send("e=" + token)
    return 1


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mechanism", required=True, choices=sorted(HASHES))
    p.add_argument("--user", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--iterations", type=int, default=4096)
    p.add_argument("--mode", default="honest")
    args = p.parse_args()
    name = HASHES[args.mechanism]
    mode, _, arg = args.mode.partition("=")

    salt = os.urandom(16)
    iterations = int(arg) if mode == "iterations" else args.iterations
    stored_key, server_key = keys(name, args.password, salt, iterations)

    client_first = line()
    if not client_first.startswith("n,,"):
        return fail("other-error", "gs2 header is not 'n,,' (no channel binding, no authzid)")
    client_first_bare = client_first[3:]
    try:
        attrs = attributes(client_first_bare)
        user = unescape_saslname(attrs[0][1]) if attrs[0][0] == "n" else None
    except (ValueError, IndexError):
        return fail("invalid-encoding", "client-first is malformed")
    if len(attrs) < 2 or attrs[1][0] != "r" or not attrs[1][1]:
        return fail("invalid-encoding", "client-first has no nonce")
    client_nonce = attrs[1][1]

    server_nonce = base64.b64encode(os.urandom(18)).decode()
    nonce = ("not-yours-" + server_nonce) if mode == "foreign-nonce" else client_nonce + server_nonce
    server_first = "r=%s,s=%s,i=%d" % (nonce, base64.b64encode(salt).decode(), iterations)
    send(server_first)

    try:
        client_final = line()
    except EOFError:
        sys.stderr.write("oracle: the client gave up after server-first\n")
        return 1
    try:
        final_attrs = attributes(client_final)
    except ValueError:
        return fail("invalid-encoding", "client-final is malformed")
    if [a for a, _ in final_attrs] != ["c", "r", "p"]:
        return fail("invalid-encoding", "client-final is not c=,r=,p=")
    (_, cbind), (_, final_nonce), (_, proof64) = final_attrs
    if base64.b64decode(cbind) != b"n,,":
        return fail("channel-bindings-dont-match", "c= is not base64('n,,')")
    if final_nonce != nonce:
        return fail("other-error", "client-final nonce differs from the server-first nonce")
    if mode == "error":
        return fail(arg, "told to fail")
    if user != args.user:
        return fail("unknown-user", "unknown user %r" % user)

    without_proof = client_final[: client_final.rindex(",p=")]
    auth_message = ",".join([client_first_bare, server_first, without_proof]).encode()
    client_signature = mac(name, stored_key, auth_message)
    proof = base64.b64decode(proof64, validate=True)
    client_key = bytes(a ^ b for a, b in zip(proof, client_signature))
    if len(proof) != len(client_signature) or not hmac.compare_digest(h(name, client_key), stored_key):
        return fail("invalid-proof", "the client proof does not verify")

    if mode == "forge-signature":
        _, server_key = keys(name, args.password + "-not", salt, iterations)
    send("v=" + base64.b64encode(mac(name, server_key, auth_message)).decode())
    sys.stderr.write("oracle: client proof valid\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
