"""The deployment-config linter: parses YAML with the vendored PyYAML's full_load and reports."""

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, "vendor")  # the vendored release, ahead of anything else installed
import yaml  # noqa: E402

REQUIRED = ("service", "image", "replicas")


class Lint(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        if self.path != "/lint":
            self.reply(404, {"error": "not found"})
            return
        text = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode(
            errors="replace"
        )
        try:
            config = yaml.full_load(text)  # "full_load refuses arbitrary objects"
        except yaml.YAMLError as exc:
            self.reply(400, {"error": f"not valid YAML: {exc}"})
            return
        problems = []
        if not isinstance(config, dict):
            problems.append("the document must be a mapping")
        else:
            problems += [f"missing {key!r}" for key in REQUIRED if key not in config]
        self.reply(
            200, {"yaml": yaml.__version__, "parsed": repr(config)[:2000], "problems": problems}
        )

    def reply(self, status: int, body: dict[str, object]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


ThreadingHTTPServer(("127.0.0.1", 9401), Lint).serve_forever()
