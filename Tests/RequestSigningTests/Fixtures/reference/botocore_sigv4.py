"""Reference signer for the differential test: signs each request with botocore's SigV4Auth.

Reads a JSON list of requests on stdin and writes, for each, botocore's canonical request,
string to sign and signature as a JSON list on stdout.
"""
import json
import sys

from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def presign(spec):
    credentials = Credentials(spec["accessKeyID"], spec["secretAccessKey"], spec.get("sessionToken"))
    auth = SigV4QueryAuth(credentials, spec["service"], spec["region"], expires=spec["presign"])
    request = AWSRequest(method=spec["method"], url=spec["url"])
    for name, value in spec["headers"]:
        request.headers[name] = value
    request.context["timestamp"] = spec["amzDate"]
    auth._modify_request_before_signing(request)
    canonical = auth.canonical_request(request)
    to_sign = auth.string_to_sign(request, canonical)
    return {"canonicalRequest": canonical, "stringToSign": to_sign, "signature": auth.signature(to_sign, request)}


def sign(spec):
    if spec.get("presign"):
        return presign(spec)
    credentials = Credentials(spec["accessKeyID"], spec["secretAccessKey"], spec.get("sessionToken"))
    auth = SigV4Auth(credentials, spec["service"], spec["region"])
    request = AWSRequest(method=spec["method"], url=spec["url"], data=spec["body"].encode("utf-8"))
    for name, value in spec["headers"]:
        request.headers[name] = value
    request.context["timestamp"] = spec["amzDate"]
    request.headers["X-Amz-Date"] = spec["amzDate"]
    if spec.get("sessionToken"):
        request.headers["X-Amz-Security-Token"] = spec["sessionToken"]
    canonical = auth.canonical_request(request)
    to_sign = auth.string_to_sign(request, canonical)
    return {"canonicalRequest": canonical, "stringToSign": to_sign, "signature": auth.signature(to_sign, request)}


print(json.dumps([sign(spec) for spec in json.load(sys.stdin)]))
