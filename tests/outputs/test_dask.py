"""Batch on a real Dask cluster: a `dask scheduler` and two `dask worker` processes on
127.0.0.1, started here. The client plans and writes; workers lay out and return bytes; a
worker lost mid-batch loses no handout."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import SPECS
from tests.pdfcheck import structural_problems

pytest.importorskip("distributed", reason="the dask extra is part of the test extra")

DASK = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
WORKER = [sys.executable, "-m", "distributed.cli.dask_worker"]


def _address(scheduler_file: Path, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if scheduler_file.exists():
            try:
                return json.loads(scheduler_file.read_text())["address"]
            except (ValueError, KeyError):
                pass
        time.sleep(0.2)
    pytest.fail("the Dask scheduler did not start")


def _workers_up(address: str, count: int, timeout: float = 60) -> None:
    from distributed import Client

    with Client(address, timeout=30) as client:
        client.wait_for_workers(count, timeout=timeout)


def _start_cluster(home: Path, tls: list[str] = ()) -> tuple[str, list[subprocess.Popen]]:
    """A scheduler and two single-threaded worker processes, in a folder of their own (so
    nothing works by sharing our working folder by accident); `tls`: the TLS options the
    scheduler and the workers are given."""
    home.mkdir()
    scheduler_file = home / "scheduler.json"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "cwd": home}
    protocol = ["--protocol", "tls", *tls] if tls else []
    processes = [subprocess.Popen([*DASK, "--host", "127.0.0.1", "--port", "0",
                                   "--no-dashboard", "--scheduler-file", str(scheduler_file),
                                   *protocol], start_new_session=True, **quiet)]
    address = _address(scheduler_file)
    for i in range(2):
        processes.append(subprocess.Popen(
            [*WORKER, address, "--nthreads", "1", "--nworkers", "1", "--no-dashboard",
             "--host", "127.0.0.1", "--name", f"w{i}", *tls], start_new_session=True,
            **quiet))
    return address, processes


@pytest.fixture
def cluster(tmp_path):
    address, processes = _start_cluster(tmp_path / "cluster")
    _workers_up(address, 2)
    yield address, processes
    _stop(processes)


def _stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def _specs(folder: Path, count: int) -> Path:
    folder.mkdir()
    for i in range(count):
        (folder / f"h{i:02}.yaml").write_text(
            "title: T\ntopics: [ketamine-basics, side-effects, how-it-works]\n")
    return folder


def _batch(tmp_path: Path, *args: str, **popen) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "handouts", "batch", *args],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "CI": "1"}, **popen)


def test_a_batch_on_two_dask_workers_matches_a_local_one(tmp_path, cluster):
    address, _ = cluster
    specs = _specs(tmp_path / "specs", 8)
    site = SPECS / "sites" / "carlsbad.yaml"
    done = _batch(tmp_path, "specs", "--sites", str(site), "-o", "out", "--scheduler", address)
    out, err = done.communicate(timeout=300)
    assert done.returncode == 0, err
    assert "8 built, 0 unchanged, 0 failed" in out
    local = _batch(tmp_path, "specs", "--sites", str(site), "-o", "local", "-j", "1")
    local.communicate(timeout=300)
    for spec in sorted(specs.glob("*.yaml")):
        name = f"carlsbad/{spec.stem}.pdf"
        assert (tmp_path / "out" / name).read_bytes() == (tmp_path / "local" / name).read_bytes()
        assert structural_problems(tmp_path / "out" / name) == []
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert {r["output"] for r in manifest["outputs"]} == \
        {f"carlsbad/{s.stem}.pdf" for s in specs.glob("*.yaml")}
    assert "specs/h00.yaml" in [name for name, _ in manifest["outputs"][0]["inputs"]]
    again = _batch(tmp_path, "specs", "--sites", str(site), "-o", "out", "--scheduler", address)
    out, _ = again.communicate(timeout=300)
    assert "0 built, 8 unchanged, 0 failed" in out  # incremental, as with local workers


def test_a_worker_lost_mid_batch_loses_no_handout(tmp_path, cluster):
    address, processes = cluster
    _specs(tmp_path / "specs", 40)
    site = SPECS / "sites" / "carlsbad.yaml"
    running = _batch(tmp_path, "specs", "--sites", str(site), "-o", "out", "--scheduler",
                     address)
    for line in running.stderr:
        if "built" in line:
            break
    os.killpg(processes[1].pid, signal.SIGKILL)  # one worker (and its nanny) gone
    out, err = running.communicate(timeout=300)
    assert running.returncode == 0, err
    assert "40 built, 0 unchanged, 0 failed" in out
    built = sorted((tmp_path / "out" / "carlsbad").glob("*.pdf"))
    assert len(built) == 40 and all(structural_problems(p) == [] for p in built)


def test_an_unreachable_scheduler_is_a_clear_error(tmp_path):
    _specs(tmp_path / "specs", 1)
    done = _batch(tmp_path, "specs", "-o", "out", "--scheduler", "tcp://127.0.0.1:9")
    _, err = done.communicate(timeout=120)
    assert done.returncode == 1 and "cannot reach the Dask scheduler" in err
    assert "Traceback" not in err


def test_a_dask_batch_names_files_as_a_local_one_does(tmp_path, cluster):
    """Warnings and errors from the workers name the site and spec files by the paths the
    batch was given, as a local run does, not where the workers found them."""
    address, _ = cluster
    (tmp_path / "sites").mkdir()
    (tmp_path / "sites" / "grey.yaml").write_text(
        'name: Grey\ncolors:\n  primary: "#777777"\n  accent: "#7A7A7A"\n')
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "a.yaml").write_text("title: T\ntopics: [benefits]\n")
    (tmp_path / "specs" / "b.yaml").write_text("title: T\ntopics: [nope]\n")
    said = []
    for options in (["--scheduler", address, "-o", "out"], ["-j", "1", "-o", "local"]):
        done = _batch(tmp_path, "specs", "--sites", "sites", *options)
        _, err = done.communicate(timeout=300)
        said.append(sorted(line for line in err.splitlines() if ": " in line))
    assert said[0] == said[1]
    assert any(line.startswith("grey/a.pdf: sites/grey.yaml:3: warning") for line in said[0])
    assert any(line.startswith("error: grey/b.pdf: specs/b.yaml:2: topics") for line in said[0])
    assert str(tmp_path) not in "\n".join(said[0])

# ---- a peer that is not a Dask scheduler -------------------------------------------------------


class _Peer:
    """A real peer on 127.0.0.1 that is not a Dask scheduler: `silent` accepts and says
    nothing, `junk` sends bytes that are no Dask message, `http` is a web server."""

    def __init__(self, kind: str):
        self.kind, self.accepted = kind, threading.Event()
        if kind == "http":
            self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
            self.port = self.server.server_address[1]
            self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        else:
            self.sock = socket.create_server(("127.0.0.1", 0))
            self.port = self.sock.getsockname()[1]
            self.held: list[socket.socket] = []
            self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)
            self.accepted.set()
            if self.kind == "junk":
                conn.sendall(b"\x8f\x00not a dask message\r\n" * 200)

    def close(self) -> None:
        if self.kind == "http":
            self.server.shutdown()
            self.server.server_close()
        else:
            self.sock.close()
            for conn in self.held:
                conn.close()


class _Hello(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's name
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"hello")

    def log_message(self, *args):
        pass


@pytest.fixture
def peer(request):
    made = _Peer(request.param)
    yield made
    made.close()


@pytest.mark.parametrize("peer", ["silent", "junk", "http"], indirect=True)
def test_a_peer_that_is_not_a_scheduler_is_a_located_error_in_bounded_time(tmp_path, peer):
    from handouts.outputs.executors import CONNECT_SECONDS

    _specs(tmp_path / "specs", 1)
    started = time.monotonic()
    done = _batch(tmp_path, "specs", "-o", "out", "--scheduler",
                  f"tcp://127.0.0.1:{peer.port}")
    _, err = done.communicate(timeout=CONNECT_SECONDS + 50)
    assert done.returncode == 1, err
    assert "error: --scheduler: " in err and f"127.0.0.1:{peer.port}" in err
    assert "did not answer as a Dask scheduler" in err or "no Dask scheduler answered" in err
    assert "internal error" not in err and "Traceback" not in err
    assert time.monotonic() - started < CONNECT_SECONDS + 30


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_ctrl_c_and_sigterm_end_a_batch_that_is_connecting(tmp_path, signum, status):
    silent = _Peer("silent")
    _specs(tmp_path / "specs", 1)
    running = _batch(tmp_path, "specs", "-o", "out", "--scheduler",
                     f"tcp://127.0.0.1:{silent.port}")
    try:
        assert silent.accepted.wait(60), "the batch never connected"
        time.sleep(0.5)  # in the middle of the handshake that never comes
        running.send_signal(signum)
        started = time.monotonic()
        _, err = running.communicate(timeout=30)
        assert time.monotonic() - started < 5
        assert running.returncode == status, err
        assert "interrupted" in err and "Traceback" not in err
        assert not (tmp_path / "out" / ".handouts-batch.lock").exists() or \
            _lock_is_free(tmp_path / "out")
    finally:
        if running.poll() is None:  # never left behind, whatever the outcome
            running.kill()
            running.wait()
        silent.close()


def _lock_is_free(out: Path) -> bool:
    import fcntl

    with open(out / ".handouts-batch.lock", "rb") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
    return True


def test_tls_options_are_checked_before_anything_runs(tmp_path):
    _specs(tmp_path / "specs", 1)
    done = _batch(tmp_path, "specs", "-o", "out", "--scheduler", "tls://127.0.0.1:9")
    _, err = done.communicate(timeout=60)
    assert done.returncode == 2 and "needs --tls-ca-file, --tls-cert and --tls-key" in err
    (tmp_path / "ca.pem").write_text("x")
    done = _batch(tmp_path, "specs", "-o", "out", "--scheduler", "tcp://127.0.0.1:9",
                  "--tls-ca-file", "ca.pem")
    _, err = done.communicate(timeout=60)
    assert done.returncode == 2 and "are for a tls:// scheduler" in err
    assert "Traceback" not in err


# ---- Dask over TLS, with certificates made here ------------------------------------------------


def _key():
    from cryptography.hazmat.primitives.asymmetric import ec

    return ec.generate_private_key(ec.SECP256R1())


def _certificate(name: str, key, issuer_name, issuer_key, ca: bool):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    builder = (x509.CertificateBuilder().subject_name(subject)
               .issuer_name(issuer_name or subject).public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - dt.timedelta(minutes=5))
               .not_valid_after(now + dt.timedelta(days=1))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if not ca:
        builder = builder.add_extension(x509.SubjectAlternativeName(
            [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def _write_pki(folder: Path, names: tuple[str, ...]) -> dict[str, Path]:
    """A certificate authority of our own and, for each name, a key and a certificate it
    signed, as PEM files: {'ca': ..., 'NAME.cert': ..., 'NAME.key': ...}."""
    from cryptography.hazmat.primitives import serialization

    folder.mkdir()
    ca_key = _key()
    ca = _certificate(f"{folder.name} test CA", ca_key, None, ca_key, ca=True)
    files = {"ca": folder / "ca.pem"}
    files["ca"].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    for name in names:
        key = _key()
        cert = _certificate(name, key, ca.subject, ca_key, ca=False)
        files[f"{name}.cert"] = folder / f"{name}.pem"
        files[f"{name}.cert"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        files[f"{name}.key"] = folder / f"{name}-key.pem"
        files[f"{name}.key"].write_bytes(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))
        files[f"{name}.key"].chmod(0o600)
    return files


@pytest.fixture
def tls_cluster(tmp_path):
    pki = _write_pki(tmp_path / "pki", ("scheduler", "client"))
    tls = ["--tls-ca-file", str(pki["ca"]), "--tls-cert", str(pki["scheduler.cert"]),
           "--tls-key", str(pki["scheduler.key"])]
    address, processes = _start_cluster(tmp_path / "cluster", tls)
    assert address.startswith("tls://")
    from distributed import Client
    from distributed.security import Security

    security = Security(tls_ca_file=str(pki["ca"]), tls_client_cert=str(pki["client.cert"]),
                        tls_client_key=str(pki["client.key"]), require_encryption=True)
    with Client(address, timeout=30, security=security) as client:
        client.wait_for_workers(2, timeout=60)
    yield address, pki
    _stop(processes)


def test_a_batch_on_a_tls_cluster(tmp_path, tls_cluster):
    address, pki = tls_cluster
    specs = _specs(tmp_path / "specs", 3)
    site = SPECS / "sites" / "carlsbad.yaml"
    client = ["--tls-ca-file", str(pki["ca"]), "--tls-cert", str(pki["client.cert"]),
              "--tls-key", str(pki["client.key"])]
    done = _batch(tmp_path, "specs", "--sites", str(site), "-o", "out", "--scheduler", address,
                  *client)
    out, err = done.communicate(timeout=300)
    assert done.returncode == 0, err
    assert "3 built, 0 unchanged, 0 failed" in out
    local = _batch(tmp_path, "specs", "--sites", str(site), "-o", "local", "-j", "1")
    local.communicate(timeout=300)
    for spec in sorted(specs.glob("*.yaml")):
        name = f"carlsbad/{spec.stem}.pdf"
        assert (tmp_path / "out" / name).read_bytes() == (tmp_path / "local" / name).read_bytes()

    plain = _batch(tmp_path, "specs", "-o", "plain", "--scheduler",
                   address.replace("tls://", "tcp://"))  # the same scheduler, without TLS
    _, err = plain.communicate(timeout=120)
    assert plain.returncode == 1 and "error: --scheduler:" in err and "Traceback" not in err

    stranger = _write_pki(tmp_path / "stranger", ("client",))  # signed by another authority
    refused = _batch(tmp_path, "specs", "-o", "stranger", "--scheduler", address,
                     "--tls-ca-file", str(stranger["ca"]), "--tls-cert",
                     str(stranger["client.cert"]), "--tls-key", str(stranger["client.key"]))
    _, err = refused.communicate(timeout=120)
    assert refused.returncode == 1, err
    assert "error: --scheduler:" in err and "internal error" not in err
    assert not list((tmp_path / "stranger").rglob("*.pdf"))
