"""A real HTTPS server for the certificate tests: makes a self-signed certificate for
127.0.0.1 valid for DAYS days with the openssl command, then answers every GET with 200 over
TLS. Usage: tls_server.py DIR PORT_FILE DAYS (it picks a free port and writes it)."""

import http.server
import os
import ssl
import subprocess
import sys

directory, port_file, days = sys.argv[1], sys.argv[2], sys.argv[3]
cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
subprocess.run(
    ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", days, "-subj", "/CN=127.0.0.1",
     "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert],
    check=True, capture_output=True)


class Ok(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"ok"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Ok)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
server.socket = context.wrap_socket(server.socket, server_side=True)
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.replace(port_file + ".tmp", port_file)
server.serve_forever()
