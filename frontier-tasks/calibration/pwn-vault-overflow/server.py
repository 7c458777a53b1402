"""Serves ./vault on 127.0.0.1:9001, one process per connection (like inetd)."""

import socket
import subprocess

with socket.create_server(("127.0.0.1", 9001)) as server:
    while True:
        connection, _ = server.accept()
        with connection:
            subprocess.Popen(
                ["./vault"], stdin=connection, stdout=connection, stderr=subprocess.DEVNULL
            )
