"""An HTTP server that answers a script: the answers given as JSON on the command line, one per
request, in order (the last one repeats). Prints its port, then serves on loopback; every
request's method, headers and body are appended to the log file named second."""
import json
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

answers = json.loads(sys.argv[1])
log_path = sys.argv[2]
served = 0


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        global served
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length).decode("utf-8", "replace")
        with open(log_path, "a") as log:
            log.write(json.dumps({"headers": {k.lower(): v for k, v in self.headers.items()}, "body": body}) + "\n")
        answer = answers[min(served, len(answers) - 1)]
        served += 1
        payload = answer.get("body", "").encode()
        self.send_response(answer["status"])
        for name, value in answer.get("headers", {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


server = HTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
