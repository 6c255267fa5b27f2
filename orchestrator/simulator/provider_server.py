"""The simulated provider as the tool starts it: once per tool process, for Terraform to reattach to.

DESIGN. Terraform normally starts a provider for each command (several times per apply) and
talks TLS to it; here the tool starts this process once (launcher.ProviderProcess) and every
Terraform command reattaches to it through TF_REATTACH_PROVIDERS: go-plugin's unmanaged mode, a
plaintext gRPC server on a unix socket. With "Test": true Terraform neither checks the pid nor
sends Shutdown nor kills the process: the process ends by its own rule, below.

Lifetime. The process serves in its own session (a terminal's Ctrl-C reaches the tool only; the
tool forwards one interrupt to Terraform, which sends StopProvider: that stops nothing here, so a
create in flight finishes and Terraform saves it). StopProvider and Shutdown never end it: it
serves every command of the run. Its stdin is a pipe from the tool that nobody writes to: EOF
means the tool is gone, closed normally (SimulatedCloud.close) or killed (the kernel closes the
pipe). A Terraform the tool started may outlive the tool (it runs in its own session so that it
finishes and writes its state), so the process then serves on until no RPC is in flight and
none came for IDLE_SECONDS, and exits. Safety needs no timing margin: a create in flight is
always finished; a Terraform that asks after the exit gets an error before anything is
created. The window only lets such a Terraform finish its other calls.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import threading
import time
from concurrent import futures
from pathlib import Path

import grpc
from tf.gen import grpc_controller_pb2 as controller_pb
from tf.gen import grpc_controller_pb2_grpc as controller_rpc
from tf.gen import grpc_stdio_pb2_grpc as stdio_rpc
from tf.gen import tfplugin_pb2_grpc as provider_rpc
from tf.provider import ProviderServicer

from .provider import OciProvider
from .store import CloudStore

PROVIDER_ADDRESS = "registry.terraform.io/oracle/oci"
IDLE_SECONDS = 3.0
# What the process writes to its log (stderr) when it starts serving; tests count these lines.
SERVING = "serving"


class _Activity:
    """The RPCs in flight, and when the last one started or ended."""

    def __init__(self):
        self.lock = threading.Lock()
        self.in_flight = 0
        self.last = time.monotonic()

    def counted(self, behaviour):
        def run(request, context):
            self._change(+1)
            try:
                return behaviour(request, context)
            finally:
                self._change(-1)

        return run

    def _change(self, step: int) -> None:
        with self.lock:
            self.in_flight += step
            self.last = time.monotonic()

    def idle(self) -> bool:
        """Called with the lock held."""
        return self.in_flight == 0 and time.monotonic() - self.last >= IDLE_SECONDS


class _Counting(grpc.ServerInterceptor):
    def __init__(self, activity: _Activity):
        self.activity = activity

    def intercept_service(self, continuation, handler_call_details):
        handler = continuation(handler_call_details)
        if handler is None or handler.unary_unary is None:
            return handler  # StreamStdio: answered at once with nothing
        return handler._replace(unary_unary=self.activity.counted(handler.unary_unary))


class _Controller(controller_rpc.GRPCControllerServicer):
    def Shutdown(self, request, context):
        """Not sent to a reattached provider; were it sent, the run's next command still needs us."""
        return controller_pb.Empty()


class _NoStdio(stdio_rpc.GRPCStdioServicer):
    def StreamStdio(self, request, context):
        return iter(())  # go-plugin asks for it; the log file has the output


def serve(store_dir: str, tool_pid: int) -> None:
    """Entry point of launcher.ProviderProcess: serve the store for `tool_pid`'s Terraform commands.

    Writes one line to stdout, the TF_REATTACH_PROVIDERS value; then stdout joins stderr (the log)."""
    activity = _Activity()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=10), interceptors=[_Counting(activity)])
    provider = OciProvider(CloudStore(Path(store_dir)), tool_pid=tool_pid)
    provider_rpc.add_ProviderServicer_to_server(ProviderServicer(provider), server)
    controller_rpc.add_GRPCControllerServicer_to_server(_Controller(), server)
    stdio_rpc.add_GRPCStdioServicer_to_server(_NoStdio(), server)
    socket_dir = tempfile.mkdtemp(prefix="coinpilot-provider.")  # short: a socket path has ~100 bytes
    address = os.path.join(socket_dir, "plugin.sock")
    server.add_insecure_port(f"unix:{address}")
    server.start()
    reattach = {
        PROVIDER_ADDRESS: {
            "Protocol": "grpc",
            "ProtocolVersion": 6,
            "Pid": os.getpid(),
            "Test": True,
            "Addr": {"Network": "unix", "String": address},
        }
    }
    # Logged before the tool hears of it, so the line is there once the tool goes on.
    print(f"{SERVING}: provider {os.getpid()} for tool {tool_pid} at {address}", file=sys.stderr, flush=True)
    print(json.dumps(reattach), flush=True)
    # The tool stops reading after that line: nothing may write to its pipe again.
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    sys.stdin.buffer.read()  # until the tool is gone
    while True:
        with activity.lock:
            if activity.idle():
                shutil.rmtree(socket_dir, ignore_errors=True)
                os._exit(0)  # the lock held: no RPC starts any more
        time.sleep(0.1)
