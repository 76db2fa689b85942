"""Raw HTTP for the JSON 1.0 protocol: one keep-alive connection per server, every answer reduced
to an `Answer` (status, error type suffix, parsed body), a dropped connection reported as such."""

import http.client
import json
import time

AUTH = ("AWS4-HMAC-SHA256 Credential=AKIDLOCAL/20250101/us-east-1/dynamodb/aws4_request, "
        "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=" + "0" * 64)


class Answer:
    """One server's answer. `outcome` is what the comparison starts with: `2xx`, `4xx:<Type>`,
    `5xx:<Type>` or `dropped`."""

    __slots__ = ("status", "type", "body", "text", "dropped", "message")

    def __init__(self, status=None, body=None, text="", dropped=None):
        self.status, self.body, self.text, self.dropped = status, body, text, dropped
        self.type = None
        self.message = None
        if isinstance(body, dict) and status is not None and status >= 300:
            t = body.get("__type")
            if isinstance(t, str):
                self.type = t.rsplit("#", 1)[-1]
            self.message = body.get("message", body.get("Message"))
        elif status is not None and status >= 300:
            self.type = "<no __type>"

    @property
    def ok(self):
        return self.status is not None and 200 <= self.status < 300

    @property
    def outcome(self):
        if self.dropped:
            return "dropped"
        cls = f"{self.status // 100}xx"
        return cls if self.ok else f"{cls}:{self.type}"

    def short(self):
        if self.dropped:
            return f"dropped ({self.dropped})"
        if self.ok:
            return f"{self.status} {self.text[:300]}"
        return f"{self.status} {self.type}: {self.message}"


class Client:
    def __init__(self, name, port, timeout=30):
        self.name, self.port, self.timeout = name, port, timeout
        self.conn = None
        self.calls = 0
        self.last_used = 0.0


    def call(self, op, body, target_prefix="DynamoDB_20120810"):
        """Sends `body` (a dict, or a str sent as it is) as operation `op`."""
        data = body if isinstance(body, (str, bytes)) else json.dumps(body, separators=(",", ":"))
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogatepass")
        headers = {
            "X-Amz-Target": f"{target_prefix}.{op}",
            "Content-Type": "application/x-amz-json-1.0",
            "Authorization": AUTH,
            "X-Amz-Date": "20250101T000000Z",
        }
        self.calls += 1
        # Reconnect before a server's idle timeout could close the connection under us: every
        # failure below is then the server's doing, and counts as a dropped request.
        if self.conn is not None and time.monotonic() - self.last_used > 20:
            self.close()
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            self.conn.request("POST", "/", body=data, headers=headers)
            resp = self.conn.getresponse()
            raw = resp.read()
        except (OSError, http.client.HTTPException) as e:
            self.close()
            return Answer(dropped=type(e).__name__)
        finally:
            self.last_used = time.monotonic()
        if (resp.getheader("connection") or "").lower() == "close":
            self.close()
        text = raw.decode("utf-8", "replace")
        try:
            parsed = json.loads(text) if text else None
        except ValueError:
            parsed = None
        return Answer(resp.status, parsed, text)

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None
