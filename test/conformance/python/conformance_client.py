#!/usr/bin/env python3
"""Conformance client for the Corral agent API (corral.agent.v1), in Python.

It is written from the wire contract alone (proto/ and its comments), never from
the server's TypeScript, so it catches places where the server and the contract
disagree, and proves that an agent in another language can be built from proto/.

At run time it generates Python stubs from proto/ with Debian's protoc and
grpc_python_plugin (packages protobuf-compiler, protobuf-compiler-grpc), then
runs the checks below against a live server. Each check prints one JSON line
{"check": name, "ok": bool, "detail": ...}; the exit code is 0 only when every
check passed, 1 when one failed (named on stderr), 2 when it could not run.

Run with Debian's interpreter (/usr/bin/python3), which sees python3-grpcio
and python3-protobuf:

    /usr/bin/python3 test/conformance/python/conformance_client.py \
        --server 127.0.0.1:50051 --enroll-secret ces_...
    /usr/bin/python3 test/conformance/python/conformance_client.py --generate-only
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import queue
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from types import SimpleNamespace
from typing import Any, Callable, Iterator

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
PROTO_DIR = os.path.join(REPO_ROOT, "proto")
DEFAULT_GEN_DIR = os.path.join(HERE, "gen")
CONTRACT_FILES = [
    "corral/agent/v1/agent.proto",
    "google/rpc/status.proto",
    "google/rpc/error_details.proto",
]
DEFAULT_PLUGIN = "/usr/bin/grpc_python_plugin"
BAD_REQUEST_TYPE = "type.googleapis.com/google.rpc.BadRequest"

# Every check, in the order it runs; the integration test expects each name to report ok.
CHECKS = [
    "enroll",
    "enroll_duplicate_already_exists",
    "enroll_bad_secret_unauthenticated",
    "authenticate",
    "authenticate_wrong_credential_unauthenticated",
    "connect_heartbeats",
    "heartbeat_invalid_argument_bad_request",
    "heartbeat_other_agent_permission_denied",
    "connect_without_token_unauthenticated",
    "refresh_session",
    "terminate_session",
    "health_check",
]

try:
    import grpc
except ImportError:  # pragma: no cover - depends on the machine
    sys.stderr.write(
        "conformance: cannot import grpc. Install python3-grpcio and python3-protobuf "
        "(scripts/ci/install-system-packages.sh) and run this with /usr/bin/python3.\n"
    )
    sys.exit(2)


class CheckFailed(Exception):
    """A check's expectation did not hold; the message says which."""


class Skipped(Exception):
    """A check could not run because one it depends on failed."""


def now_ms() -> int:
    return int(time.time() * 1000)


def random_suffix() -> str:
    return secrets.token_hex(6)


def fake_token(prefix: str) -> str:
    """A well-formed but unknown secret: the prefix and 43 base64url characters."""
    return prefix + secrets.token_urlsafe(32)[:43].ljust(43, "A")


def redact(token: str) -> str:
    return token[:8] + "…" if token else "(empty)"


# --- stubs -------------------------------------------------------------------------------------


def generate_stubs(out_dir: str, protoc: str, plugin: str) -> None:
    """Compiles the contract (and the standard health protocol) into Python modules in out_dir."""
    if not os.path.isfile(plugin):
        raise RuntimeError(f"{plugin} not found: install protobuf-compiler-grpc")
    os.makedirs(out_dir, exist_ok=True)
    base = [protoc, f"--python_out={out_dir}", f"--grpc_out={out_dir}", f"--plugin=protoc-gen-grpc={plugin}"]
    for command in (
        base + ["-I", PROTO_DIR, *CONTRACT_FILES],
        base + ["-I", HERE, "health.proto"],
    ):
        result = subprocess.run(command, capture_output=True, text=True, cwd=REPO_ROOT)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}):\n{result.stderr}")


def load_stubs(out_dir: str) -> SimpleNamespace:
    # The generated modules import each other by package path (corral.agent.v1, google.rpc), so
    # out_dir goes first on sys.path; google/ is a namespace package shared with google.protobuf.
    sys.path.insert(0, out_dir)
    return SimpleNamespace(
        agent=importlib.import_module("corral.agent.v1.agent_pb2"),
        agent_grpc=importlib.import_module("corral.agent.v1.agent_pb2_grpc"),
        status=importlib.import_module("google.rpc.status_pb2"),
        details=importlib.import_module("google.rpc.error_details_pb2"),
        health=importlib.import_module("health_pb2"),
        health_grpc=importlib.import_module("health_pb2_grpc"),
    )


# --- the Connect stream ------------------------------------------------------------------------


class Stream:
    """One Connect call: messages are sent through a queue and read by a background thread, so
    every wait for a server message can be bounded."""

    _END = object()

    def __init__(self, connect: Callable[..., Any], metadata: list[tuple[str, str]], timeout: float) -> None:
        self._outbox: queue.Queue[Any] = queue.Queue()
        self._inbox: queue.Queue[tuple[str, Any]] = queue.Queue()
        self.call = connect(self._requests(), metadata=metadata, timeout=timeout)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _requests(self) -> Iterator[Any]:
        while True:
            message = self._outbox.get()
            if message is self._END:
                return
            yield message

    def _read(self) -> None:
        try:
            for message in self.call:
                self._inbox.put(("message", message))
            self._inbox.put(("end", None))
        except grpc.RpcError as error:
            self._inbox.put(("error", error))

    def send(self, message: Any) -> None:
        self._outbox.put(message)

    def expect(self, kind: str, timeout: float, before: tuple[str, ...] = ()) -> Any:
        """The next ServerMessage of `kind`; other kinds are skipped, as the contract tells agents,
        except those in `before`, which must not arrive first."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise CheckFailed(f"no {kind} within {timeout}s")
            try:
                what, value = self._inbox.get(timeout=remaining)
            except queue.Empty:
                raise CheckFailed(f"no {kind} within {timeout}s") from None
            if what == "error":
                raise CheckFailed(f"stream failed while waiting for {kind}: {describe_error(value)}")
            if what == "end":
                raise CheckFailed(f"server ended the stream while waiting for {kind}")
            if value.WhichOneof("kind") == kind:
                return value
            if value.WhichOneof("kind") in before:
                raise CheckFailed(f"{value.WhichOneof('kind')} arrived before {kind}")

    def close(self) -> None:
        self._outbox.put(self._END)
        self.call.cancel()


# --- helpers -----------------------------------------------------------------------------------


def describe_error(error: Any) -> str:
    if isinstance(error, grpc.RpcError) and hasattr(error, "code"):
        return f"{error.code().name}: {error.details()}"
    return repr(error)


def expect_status(code: grpc.StatusCode, call: Callable[[], Any]) -> grpc.RpcError:
    """Runs call, which must fail with `code`; returns the error for further checks."""
    try:
        result = call()
    except grpc.RpcError as error:
        if error.code() != code:
            raise CheckFailed(f"expected {code.name}, got {describe_error(error)}") from None
        return error
    raise CheckFailed(f"expected {code.name}, but the call succeeded: {str(result).strip()[:200]}")


def require(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def bearer(token: str) -> list[tuple[str, str]]:
    return [("authorization", f"Bearer {token}")]


# --- the checks --------------------------------------------------------------------------------


class Conformance:
    def __init__(self, args: argparse.Namespace, pb: SimpleNamespace, channel: grpc.Channel) -> None:
        self.args = args
        self.pb = pb
        self.stub = pb.agent_grpc.AgentServiceStub(channel)
        self.health = pb.health_grpc.HealthStub(channel)
        self.timeout = args.call_timeout
        suffix = random_suffix()
        self.facts = {
            "agent_id": f"py-conformance-{suffix}",
            "name": f"python conformance {suffix}",
            "hostname": socket.gethostname(),
            "ip_address": "127.0.0.1",
            "version": "conformance-1.0.0",
            "type": "conformance",
            "capabilities": ["heartbeat", "conformance"],
            "labels": {"suite": "conformance", "language": "python"},
            "platform": "linux",
        }
        self.agent_id: str | None = None
        self.credential: str | None = None
        self.token: str | None = None
        self.sequence = 0
        self.started = time.monotonic()
        self.results: dict[str, bool] = {}

    # Heartbeats carry a sequence that only ever grows within this process, as the contract asks.
    def heartbeat(self, **overrides: Any) -> Any:
        self.sequence += 1
        fields: dict[str, Any] = dict(
            sequence=self.sequence,
            sent_at_ms=now_ms(),
            cpu_percent=12.5,
            memory_percent=31.0,
            memory_rss_bytes=64 * 1024 * 1024,
            load1=0.42,
            queue_depth=3,
            error_count=0,
            uptime_seconds=int(time.monotonic() - self.started),
            metrics={"conformance.sequence": float(self.sequence)},
        )
        fields.update(overrides)
        return self.pb.agent.Heartbeat(**fields)

    def unary_heartbeat(self, token: str, **overrides: Any) -> Any:
        request = self.pb.agent.HeartbeatRequest(heartbeat=self.heartbeat(**overrides))
        return self.stub.Heartbeat(request, metadata=bearer(token), timeout=self.timeout)

    def enroll_request(self, secret: str, facts: dict[str, Any], credential: str = "") -> Any:
        return self.pb.agent.EnrollRequest(
            enrollment_secret=secret, facts=self.pb.agent.AgentFacts(**facts), credential=credential
        )

    def needs(self, *what: str) -> None:
        missing = [name for name in what if getattr(self, name) is None]
        if missing:
            raise Skipped(f"not run: no {', '.join(missing)} (an earlier check failed)")

    def run(self, name: str, check: Callable[[], Any]) -> None:
        extra: dict[str, Any] = {}
        try:
            detail = check()
            if isinstance(detail, tuple):
                detail, extra = detail
            ok = True
        except (CheckFailed, Skipped) as failure:
            ok, detail = False, str(failure)
        except grpc.RpcError as error:
            ok, detail = False, f"unexpected RPC error {describe_error(error)}"
        except Exception as error:  # a bug in the check or a malformed reply: still report it
            ok, detail = False, f"{type(error).__name__}: {error}\n{traceback.format_exc()}"
        self.results[name] = ok
        print(json.dumps({"check": name, "ok": ok, "detail": detail or "", **extra}), flush=True)

    # (a)
    def check_enroll(self) -> Any:
        response = self.stub.Enroll(
            self.enroll_request(self.args.enroll_secret, self.facts), timeout=self.timeout
        )
        require(response.agent_id == self.facts["agent_id"],
                f"agent_id {response.agent_id!r}, expected {self.facts['agent_id']!r}")
        require(response.credential.startswith("cac_"),
                f"credential {redact(response.credential)} does not start with cac_")
        require(not response.re_enrolled, "re_enrolled is true on a first enrollment")
        self.agent_id = response.agent_id
        self.credential = response.credential
        return (f"enrolled {self.agent_id}; heartbeat_interval_ms={response.settings.heartbeat_interval_ms}",
                {"agent_id": self.agent_id, "facts": self.facts})

    # (b)
    def check_enroll_duplicate(self) -> str:
        self.needs("agent_id")
        expect_status(grpc.StatusCode.ALREADY_EXISTS, lambda: self.stub.Enroll(
            self.enroll_request(self.args.enroll_secret, self.facts), timeout=self.timeout))
        return "second Enroll of the same agent id without its credential: ALREADY_EXISTS"

    # (c)
    def check_enroll_bad_secret(self) -> str:
        facts = dict(self.facts, agent_id=f"py-conformance-{random_suffix()}")
        expect_status(grpc.StatusCode.UNAUTHENTICATED, lambda: self.stub.Enroll(
            self.enroll_request(fake_token("ces_"), facts), timeout=self.timeout))
        return "Enroll with an unknown enrollment secret: UNAUTHENTICATED"

    # (d)
    def check_authenticate(self) -> str:
        self.needs("agent_id", "credential")
        response = self.stub.Authenticate(
            self.pb.agent.AuthenticateRequest(agent_id=self.agent_id, credential=self.credential),
            timeout=self.timeout,
        )
        session = response.session
        require(session.token.startswith("cas_"), f"token {redact(session.token)} does not start with cas_")
        require(session.expires_at_ms > now_ms(), f"expires_at_ms {session.expires_at_ms} is not in the future")
        self.token = session.token
        return f"session {session.session_id} expires in {(session.expires_at_ms - now_ms()) / 1000:.0f}s"

    def check_authenticate_wrong_credential(self) -> str:
        self.needs("agent_id")
        expect_status(grpc.StatusCode.UNAUTHENTICATED, lambda: self.stub.Authenticate(
            self.pb.agent.AuthenticateRequest(agent_id=self.agent_id, credential=fake_token("cac_")),
            timeout=self.timeout))
        return "Authenticate with a wrong credential: UNAUTHENTICATED"

    # (e)
    def check_connect_heartbeats(self) -> str:
        self.needs("token")
        stream = Stream(self.stub.Connect, bearer(self.token), timeout=self.args.stream_timeout)
        try:
            # The first heartbeat goes out at once: the contract does not say whether the server
            # acknowledges the stream before or after the agent's first message, only that the
            # ConnectAck comes before anything it acknowledges.
            sent, acked, healths = [], [], set()
            for index in range(5):
                heartbeat = self.heartbeat()
                sent.append(heartbeat.sequence)
                stream.send(self.pb.agent.AgentMessage(heartbeat=heartbeat))
                if index == 0:
                    ack = stream.expect("connect_ack", self.timeout, before=("heartbeat_ack",)).connect_ack
                    require(ack.agent_id == self.agent_id,
                            f"ConnectAck agent_id {ack.agent_id!r}, expected {self.agent_id!r}")
                reply = stream.expect("heartbeat_ack", self.timeout).heartbeat_ack
                acked.append(reply.sequence)
                healths.add(reply.health)
            require(acked == sent, f"HeartbeatAck sequences {acked}, expected {sent}")
            allowed = {"healthy", "degraded", "unhealthy", "unknown"}
            require(healths <= allowed, f"HeartbeatAck health {sorted(healths - allowed)} not one of {sorted(allowed)}")
            return f"ConnectAck for {ack.agent_id}; HeartbeatAck sequences {acked}; health {sorted(healths)}"
        finally:
            stream.close()

    # (f)
    def check_heartbeat_invalid(self) -> str:
        self.needs("token")
        error = expect_status(grpc.StatusCode.INVALID_ARGUMENT,
                              lambda: self.unary_heartbeat(self.token, cpu_percent=250.0))
        trailers = error.trailing_metadata() or ()
        raw = next((value for key, value in trailers if key == "grpc-status-details-bin"), None)
        require(raw is not None, f"no grpc-status-details-bin trailer (trailers: {[key for key, _ in trailers]})")
        status = self.pb.status.Status.FromString(raw if isinstance(raw, bytes) else raw.encode("latin-1"))
        require(status.code == grpc.StatusCode.INVALID_ARGUMENT.value[0],
                f"google.rpc.Status code {status.code}, expected {grpc.StatusCode.INVALID_ARGUMENT.value[0]}")
        fields = []
        for detail in status.details:
            if detail.type_url == BAD_REQUEST_TYPE:
                bad_request = self.pb.details.BadRequest()
                detail.Unpack(bad_request)
                fields += [violation.field for violation in bad_request.field_violations]
        require(bool(fields), f"no google.rpc.BadRequest detail (details: {[d.type_url for d in status.details]})")
        require("heartbeat.cpu_percent" in fields, f"BadRequest names {fields}, not heartbeat.cpu_percent")
        return f"INVALID_ARGUMENT with BadRequest field violations {fields}"

    # (g)
    def check_heartbeat_other_agent(self) -> str:
        self.needs("token")
        peer_facts = dict(self.facts, agent_id=f"{self.facts['agent_id']}-peer", name="python conformance peer")
        peer = self.stub.Enroll(self.enroll_request(self.args.enroll_secret, peer_facts), timeout=self.timeout)
        expect_status(grpc.StatusCode.PERMISSION_DENIED,
                      lambda: self.unary_heartbeat(self.token, agent_id=peer.agent_id))
        return f"Heartbeat naming agent {peer.agent_id} on {self.agent_id}'s session: PERMISSION_DENIED"

    # (h)
    def check_connect_without_token(self) -> str:
        def connect() -> Any:
            call = self.stub.Connect(iter(()), timeout=self.timeout)
            return [message.WhichOneof("kind") for message in call]

        expect_status(grpc.StatusCode.UNAUTHENTICATED, connect)
        return "Connect without authorization metadata: UNAUTHENTICATED"

    # (i)
    def check_refresh_session(self) -> str:
        self.needs("token")
        old = self.token
        response = self.stub.RefreshSession(
            self.pb.agent.RefreshSessionRequest(), metadata=bearer(old), timeout=self.timeout
        )
        new = response.session.token
        require(new.startswith("cas_"), f"new token {redact(new)} does not start with cas_")
        require(new != old, "RefreshSession returned the same token")
        require(response.session.expires_at_ms > now_ms(), "new session's expires_at_ms is not in the future")
        self.token = new
        expect_status(grpc.StatusCode.UNAUTHENTICATED, lambda: self.unary_heartbeat(old))
        reply = self.unary_heartbeat(new)
        require(reply.ack.sequence == self.sequence,
                f"Heartbeat on the new token acked sequence {reply.ack.sequence}, expected {self.sequence}")
        return "new token works; the old one is UNAUTHENTICATED"

    # (j)
    def check_terminate_session(self) -> str:
        self.needs("token")
        token = self.token
        self.stub.TerminateSession(
            self.pb.agent.TerminateSessionRequest(reason="conformance run finished"),
            metadata=bearer(token), timeout=self.timeout,
        )
        self.token = None
        expect_status(grpc.StatusCode.UNAUTHENTICATED, lambda: self.unary_heartbeat(token))
        return "after TerminateSession the token is UNAUTHENTICATED"

    # (k)
    def check_health(self) -> str:
        response = self.health.Check(self.pb.health.HealthCheckRequest(service=""), timeout=self.timeout)
        serving = self.pb.health.HealthCheckResponse.SERVING
        name = self.pb.health.HealthCheckResponse.ServingStatus.Name(response.status)
        require(response.status == serving, f"status {name}, expected SERVING")
        return "grpc.health.v1.Health/Check(\"\"): SERVING"

    def run_all(self) -> None:
        plan = {
            "enroll": self.check_enroll,
            "enroll_duplicate_already_exists": self.check_enroll_duplicate,
            "enroll_bad_secret_unauthenticated": self.check_enroll_bad_secret,
            "authenticate": self.check_authenticate,
            "authenticate_wrong_credential_unauthenticated": self.check_authenticate_wrong_credential,
            "connect_heartbeats": self.check_connect_heartbeats,
            "heartbeat_invalid_argument_bad_request": self.check_heartbeat_invalid,
            "heartbeat_other_agent_permission_denied": self.check_heartbeat_other_agent,
            "connect_without_token_unauthenticated": self.check_connect_without_token,
            "refresh_session": self.check_refresh_session,
            "terminate_session": self.check_terminate_session,
            "health_check": self.check_health,
        }
        assert list(plan) == CHECKS
        for name, check in plan.items():
            self.run(name, check)


# --- main --------------------------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", help="host:port of the gRPC agent API")
    parser.add_argument("--enroll-secret", help="an enrollment secret (ces_...) with at least 2 uses left")
    parser.add_argument("--gen-dir", help=f"where to generate stubs (default: a temporary directory; "
                                          f"with --generate-only: {os.path.relpath(DEFAULT_GEN_DIR, REPO_ROOT)})")
    parser.add_argument("--generate-only", action="store_true", help="generate the stubs and exit")
    parser.add_argument("--protoc", default=shutil.which("protoc") or "/usr/bin/protoc")
    parser.add_argument("--grpc-plugin", default=shutil.which("grpc_python_plugin") or DEFAULT_PLUGIN)
    parser.add_argument("--call-timeout", type=float, default=10.0, help="seconds per call or awaited message")
    parser.add_argument("--stream-timeout", type=float, default=60.0, help="deadline of the Connect call")
    args = parser.parse_args(argv)
    if not args.generate_only and (not args.server or not args.enroll_secret):
        parser.error("--server and --enroll-secret are required (or --generate-only)")
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    temporary = None
    gen_dir = args.gen_dir or (DEFAULT_GEN_DIR if args.generate_only else None)
    if gen_dir is None:
        temporary = tempfile.TemporaryDirectory(prefix="corral-conformance-")
        gen_dir = temporary.name
    try:
        try:
            generate_stubs(gen_dir, args.protoc, args.grpc_plugin)
            pb = load_stubs(gen_dir)
        except Exception as error:
            sys.stderr.write(f"conformance: could not generate or load stubs: {error}\n")
            return 2
        if args.generate_only:
            print(json.dumps({"generated": gen_dir}))
            return 0

        channel = grpc.insecure_channel(args.server)
        try:
            try:
                grpc.channel_ready_future(channel).result(timeout=args.call_timeout)
            except grpc.FutureTimeoutError:
                sys.stderr.write(f"conformance: cannot connect to {args.server} within {args.call_timeout}s\n")
                return 2
            conformance = Conformance(args, pb, channel)
            conformance.run_all()
        finally:
            channel.close()

        failed = [name for name in CHECKS if not conformance.results.get(name)]
        print(json.dumps({"summary": {"passed": len(CHECKS) - len(failed), "failed": len(failed)}}), flush=True)
        if failed:
            sys.stderr.write(f"conformance: FAILED: {', '.join(failed)}\n")
            return 1
        return 0
    finally:
        if temporary is not None:
            temporary.cleanup()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
