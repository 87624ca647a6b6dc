"""A fault-injecting HTTP proxy for S3 tests: it sits on loopback between wordviews and versitygw.

Every request is forwarded byte for byte (the Host header exactly as the client sent it, since SigV4 signs
it; bodies streamed both ways, `Expect: 100-continue` and chunked framing passed through), except those a
test has chosen with a Rule, which get a fault instead:

    error           an S3 error answered by the proxy (500 InternalError, 503 SlowDown, 429, ... with an
                    S3 XML body); the request never reaches the server
    drop            the connection is closed after the request head, with no answer
    cut_request     the server gets the head and `after_bytes` bytes of the request body, then both
                    connections are closed
    cut_response    the client gets the response head and `after_bytes` bytes of its body, then both
                    connections are closed (`reset=True` sends a TCP reset instead of a clean close)
    stall_request   the request waits `seconds` before it is forwarded
    stall_response  the response waits `seconds` after its head and `after_bytes` bytes of body
                    (`after_bytes=None`: before its head), then goes on

A Rule matches on the method, the bucket, a regular expression searched in the (decoded) key, and query
parameters (`"uploads"`, `"partNumber"`, `"partNumber=2"`); it fires on the `nth` matching request and the
`times - 1` after it (`times=None`: on every one from the `nth` on). Each rule counts the requests it
matched and the faults it injected; the proxy logs every request with its response status.

Thread-safe: rules may be added and counters read from the test while requests flow. Standard library only.
"""
import dataclasses
import email.utils
import itertools
import queue
import re
import socket
import struct
import threading
import urllib.parse

_REASONS = {429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway",
            503: "Service Unavailable", 504: "Gateway Timeout", 400: "Bad Request", 403: "Forbidden",
            404: "Not Found"}
_CODES = {429: "TooManyRequests", 500: "InternalError", 503: "SlowDown", 504: "GatewayTimeout"}
_MESSAGES = {"InternalError": "We encountered an internal error. Please try again.",
             "SlowDown": "Please reduce your request rate.",
             "TooManyRequests": "Too many requests. Please slow down."}
_ACTIONS = {"error", "drop", "cut_request", "cut_response", "stall_request", "stall_response"}
_CHUNK = 64 * 1024


@dataclasses.dataclass
class Rule:
    """Which requests get which fault. `matched` and `fired` are counters the proxy updates."""
    action: str
    method: str | None = None
    bucket: str | None = None
    key: str | None = None
    query: str | list | None = None
    nth: int = 1
    times: int | None = 1
    status: int = 503
    code: str | None = None
    after_bytes: int | None = 0
    seconds: float = 0.0
    reset: bool = False
    matched: int = 0
    fired: int = 0

    def __post_init__(self):
        if self.action not in _ACTIONS:
            raise ValueError(f"unknown action {self.action!r}; one of {sorted(_ACTIONS)}")
        if isinstance(self.query, str):
            self.query = [self.query]
        self._key_re = re.compile(self.key) if self.key is not None else None

    def matches(self, request):
        if self.method is not None and request.method != self.method.upper():
            return False
        if self.bucket is not None and request.bucket != self.bucket:
            return False
        if self._key_re is not None and not self._key_re.search(request.key):
            return False
        for term in self.query or ():
            name, has_value, value = term.partition("=")
            if name not in request.query or (has_value and value not in request.query[name]):
                return False
        return True


@dataclasses.dataclass
class Request:
    """One request the proxy saw: what it asked for, the status it got (None if it got none) and the
    fault injected into it (None if forwarded untouched)."""
    number: int
    method: str
    bucket: str
    key: str
    query: dict
    fault: str | None = None
    status: int | None = None


class _Reader:
    """Buffered reads from a socket (readline, read1) without socket.makefile(), whose file objects keep
    the descriptor open after close(), so that a reset could not be sent."""

    def __init__(self, sock):
        self.sock = sock
        self.buffer = bytearray()

    def _fill(self):
        data = self.sock.recv(_CHUNK)
        self.buffer += data
        return bool(data)

    def readline(self, limit):
        while True:
            end = self.buffer.find(b"\n", 0, limit)
            if end >= 0:
                return self._take(end + 1)
            if len(self.buffer) >= limit or not self._fill():
                return self._take(min(limit, len(self.buffer)))

    def read1(self, size):
        if not self.buffer and not self._fill():
            return b""
        return self._take(min(size, len(self.buffer)))

    def _take(self, count):
        data = bytes(self.buffer[:count])
        del self.buffer[:count]
        return data


def _parse_target(target):
    parts = urllib.parse.urlsplit(target)
    path = urllib.parse.unquote(parts.path)
    bucket, _, key = path.lstrip("/").partition("/")
    return bucket, key, urllib.parse.parse_qs(parts.query, keep_blank_values=True)


def _header(headers, name):
    """The value of header NAME (case-insensitive), or None."""
    name = name.lower()
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


def _read_head(reader):
    """Reads an HTTP message head: (raw bytes, start line, [(name, value)]), or None at a clean EOF."""
    lines = []
    while True:
        line = reader.readline(65537)
        if not line:
            if lines:
                raise ConnectionError("connection closed inside a message head")
            return None
        if not lines and line in (b"\r\n", b"\n"):
            continue  # tolerated blank line before a request
        lines.append(line)
        if line in (b"\r\n", b"\n"):
            break
    start = lines[0].decode("latin-1").rstrip("\r\n")
    headers = []
    for line in lines[1:-1]:
        name, _, value = line.decode("latin-1").partition(":")
        headers.append((name.strip(), value.strip()))
    return b"".join(lines), start, headers


class _Body:
    """Streams one message body from READER as raw byte pieces, honouring its framing: chunked, a
    Content-Length, none, or (a response without either) up to the end of the connection."""

    def __init__(self, reader, headers, no_body=False, until_close=False):
        self.reader = reader
        self.chunked = (_header(headers, "Transfer-Encoding") or "").lower().endswith("chunked")
        length = _header(headers, "Content-Length")
        self.length = int(length) if length is not None and not self.chunked else None
        self.until_close = not no_body and not self.chunked and self.length is None and until_close
        self.no_body = no_body or (not self.chunked and self.length is None and not until_close)

    def pieces(self):
        if self.no_body:
            return
        if self.chunked:
            yield from self._chunked_pieces()
            return
        remaining = self.length
        while remaining is None or remaining > 0:
            data = self.reader.read1(_CHUNK if remaining is None else min(_CHUNK, remaining))
            if not data:
                if remaining is None:
                    return
                raise ConnectionError("connection closed inside a message body")
            if remaining is not None:
                remaining -= len(data)
            yield data

    def _chunked_pieces(self):
        while True:
            line = self.reader.readline(4096)
            if not line:
                raise ConnectionError("connection closed inside a chunked body")
            yield line
            size = int(line.split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while True:  # trailers, up to the blank line
                    trailer = self.reader.readline(65537)
                    if not trailer:
                        raise ConnectionError("connection closed inside chunked trailers")
                    yield trailer
                    if trailer in (b"\r\n", b"\n"):
                        return
            remaining = size + 2  # the data and its CRLF
            while remaining > 0:
                data = self.reader.read1(min(_CHUNK, remaining))
                if not data:
                    raise ConnectionError("connection closed inside a chunk")
                remaining -= len(data)
                yield data


def _error_response(status, code, resource, request_id, head_only, close):
    body = b""
    if not head_only:
        message = _MESSAGES.get(code, "Injected by the test's fault proxy.")
        body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
                f"<Message>{message}</Message><Resource>{resource}</Resource>"
                f"<RequestId>{request_id}</RequestId></Error>").encode()
    head = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}",
            "Content-Type: application/xml", f"Content-Length: {len(body)}",
            f"x-amz-request-id: {request_id}", f"Date: {email.utils.formatdate(usegmt=True)}",
            "Server: wordviews-fault-proxy"]
    if close:
        head.append("Connection: close")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


class _Connection:
    """One client connection and its own upstream connection. Thread A (run) reads requests from the
    client and forwards them; thread B (_responses) forwards the server's responses, or the proxy's own
    answers, in request order (a queue of what A decided)."""

    def __init__(self, proxy, client):
        self.proxy = proxy
        self.client = client
        self.upstream = None
        self.decisions = queue.Queue()
        self.closed = threading.Event()
        self.lock = threading.Lock()

    def close(self, reset=False):
        with self.lock:
            if self.closed.is_set():
                return
            self.closed.set()
            for sock in (self.client, self.upstream):
                if sock is None:
                    continue
                try:
                    if reset and sock is self.client:
                        # SHUT_RD wakes a thread blocked reading it (whose system call would keep
                        # the socket open past close()) and sends nothing; closing with a zero
                        # linger then sends the reset.
                        sock.shutdown(socket.SHUT_RD)
                        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    else:
                        sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                try:
                    sock.close()
                except OSError:
                    pass
        self.proxy._forget(self)

    def run(self):
        try:
            self.upstream = socket.create_connection(self.proxy.upstream, timeout=10)
        except OSError:
            self.close()  # the server is unreachable: the client sees its connection closed
            return
        try:
            self.upstream.settimeout(None)
            self.upstream.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=self._responses, daemon=True).start()
            reader = _Reader(self.client)
            while not self.closed.is_set() and self._one_request(reader):
                pass
        except (OSError, ValueError, ConnectionError):
            pass
        finally:
            self.decisions.put(None)

    def _one_request(self, reader):
        """Handles one request; False when the connection is done."""
        got = _read_head(reader)
        if got is None:
            return False
        raw, start, headers = got
        method, target, _ = start.split(" ", 2)
        bucket, key, query = _parse_target(target)
        request, rule = self.proxy._admit(method.upper(), bucket, key, query)
        body = _Body(reader, headers)
        expects_continue = (_header(headers, "Expect") or "").lower() == "100-continue"
        action = rule.action if rule else None

        if action in ("error", "drop"):
            if action == "drop":
                self.close(reset=rule.reset)
                return False
            close = expects_continue  # the client has not sent the body and will not
            if not close:
                for _ in body.pieces():
                    pass
            code = rule.code or _CODES.get(rule.status, "InjectedError")
            answer = _error_response(rule.status, code, urllib.parse.urlsplit(target).path,
                                     f"wvproxy-{request.number}", method.upper() == "HEAD", close)
            self.decisions.put(("answer", request, rule, answer, close))
            return not close

        if action == "stall_request":
            self.proxy._stopping.wait(rule.seconds)
        self.decisions.put(("forward", request, rule, method.upper() == "HEAD", None))
        self.upstream.sendall(raw)
        sent = 0
        for piece in body.pieces():
            if action == "cut_request" and sent + len(piece) >= rule.after_bytes:
                self.upstream.sendall(piece[:rule.after_bytes - sent])
                self.close(reset=rule.reset)
                return False
            self.upstream.sendall(piece)
            sent += len(piece)
        return True

    def _responses(self):
        try:
            reader = _Reader(self.upstream)
            while True:
                decision = self.decisions.get()
                if decision is None or self.closed.is_set():
                    break
                kind, request, rule, detail, close = decision
                if kind == "answer":
                    self.client.sendall(detail)
                    request.status = int(detail.split(b" ", 2)[1])
                    if close:
                        break
                    continue
                if not self._forward_response(reader, request, rule, head_only=detail):
                    break
        except (OSError, ValueError, ConnectionError):
            pass
        finally:
            self.close()

    def _forward_response(self, reader, request, rule, head_only):
        """Forwards the server's response (after any 1xx) to REQUEST; False when the connection is done."""
        action = rule.action if rule else None
        while True:
            got = _read_head(reader)
            if got is None:
                return False
            raw, start, headers = got
            status = int(start.split(" ", 2)[1])
            if status >= 200:
                break
            self.client.sendall(raw)  # 100 Continue and other interim responses
        request.status = status
        no_body = head_only or status in (204, 304)
        body = _Body(reader, headers, no_body=no_body, until_close=True)
        if action == "stall_response" and rule.after_bytes is None:
            self.proxy._stopping.wait(rule.seconds)
        self.client.sendall(raw)
        # Where the fault strikes: after this many bytes of the body (None: nowhere in the body).
        limit = rule.after_bytes if action in ("cut_response", "stall_response") else None
        sent = 0
        for piece in body.pieces():
            if limit is not None and sent + len(piece) >= limit:
                self.client.sendall(piece[:limit - sent])
                if action == "cut_response":
                    self.close(reset=rule.reset)
                    return False
                self.proxy._stopping.wait(rule.seconds)
                self.client.sendall(piece[limit - sent:])
                limit = None
            else:
                self.client.sendall(piece)
            sent += len(piece)
        if limit is not None:  # a body shorter than the limit, or none: the fault strikes at its end
            if action == "cut_response":
                self.close(reset=rule.reset)
                return False
            self.proxy._stopping.wait(rule.seconds)
        connection = (_header(headers, "Connection") or "").lower()
        return connection != "close" and not body.until_close


class FaultProxy:
    """The proxy: listens on a free loopback port and forwards to UPSTREAM (host, port).

    Thread-safe. Start with start(), stop with stop() (also a context manager).
    """

    def __init__(self, upstream_host, upstream_port):
        self.upstream = (upstream_host, upstream_port)
        self._lock = threading.Lock()
        self._rules = []
        self._log = []
        self._numbers = itertools.count(1)
        self._connections = set()
        self._stopping = threading.Event()
        self._listener = None
        self.port = None

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def stop(self):
        self._stopping.set()
        if self._listener is not None:
            try:
                self._listener.close()
            except OSError:
                pass
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            connection.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def add(self, action, **match):
        """Adds a Rule (arguments as Rule's) and returns it; rules are tried in the order added."""
        rule = Rule(action, **match)
        with self._lock:
            self._rules.append(rule)
        return rule

    def clear_rules(self):
        with self._lock:
            self._rules.clear()

    @property
    def requests(self):
        """How many requests the proxy has seen."""
        with self._lock:
            return len(self._log)

    @property
    def faults(self):
        """How many faults the proxy has injected."""
        with self._lock:
            return sum(1 for r in self._log if r.fault)

    def log(self, method=None, query=None, key=None):
        """The requests seen (copies), optionally only those a Rule with these terms would match."""
        probe = Rule("error", method=method, query=query, key=key, times=None)
        with self._lock:
            return [dataclasses.replace(r) for r in self._log if probe.matches(r)]

    def _admit(self, method, bucket, key, query):
        """Logs a request and picks the rule that fires on it (the first, in order added)."""
        with self._lock:
            request = Request(next(self._numbers), method, bucket, key, query)
            self._log.append(request)
            chosen = None
            for rule in self._rules:
                if not rule.matches(request):
                    continue
                rule.matched += 1
                in_window = rule.matched >= rule.nth and (rule.times is None
                                                          or rule.matched < rule.nth + rule.times)
                if chosen is None and in_window:
                    chosen = rule
                    rule.fired += 1
                    request.fault = rule.action
            return request, chosen

    def _accept(self):
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            connection = _Connection(self, client)
            with self._lock:
                self._connections.add(connection)
            threading.Thread(target=connection.run, daemon=True).start()

    def _forget(self, connection):
        with self._lock:
            self._connections.discard(connection)
