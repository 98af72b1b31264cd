"""A tiny Ollama stand-in for the plugin's tests: answers POST /v1/messages with a JSON message
whose text numbers the requests it has seen, so identical requests get different answers."""

import itertools
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeUpstream:
    def __init__(self):
        counter = itertools.count(1)
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
                with lock:
                    n = next(counter)
                text = body["messages"][-1]["content"]
                answer = json.dumps({
                    "id": f"msg_{n:024x}", "type": "message", "role": "assistant", "model": body.get("model", "qwen3"),
                    "content": [{"type": "text", "text": f"answer {n}: {text}"}],
                    "stop_reason": "end_turn", "usage": {"input_tokens": 3, "output_tokens": 4},
                }).encode() + b"\n"
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
