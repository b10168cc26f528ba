"""A private certificate authority and a TLS Redis of our own, for the tests of TLS's failures.

Made with openssl, in a folder of the caller's: a CA, a server certificate for
127.0.0.1 (or another name), a client certificate, and a second CA that signed
nothing of these, to stand for the wrong one.
"""

import subprocess
from pathlib import Path

from workshop.private_redis import PrivateRedis
from workshop.processes import free_port


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_ca(folder, name="workshop-test-ca"):
    """A CA in folder: name.key and name.crt, with the extensions that Python 3.13's strict
    checks (VERIFY_X509_STRICT) ask of a CA."""
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN={name}",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            "-addext", "subjectKeyIdentifier=hash",
            "-keyout", f"{name}.key", "-out", f"{name}.crt", cwd=folder)


def make_certificate(folder, name, ca="workshop-test-ca", ip="127.0.0.1", dns=None):
    """A key and a certificate signed by ca, for the address ip (or the host name dns)."""
    alt = f"DNS:{dns}" if dns else f"IP:{ip}"
    Path(folder, f"{name}.ext").write_text(
        f"subjectAltName={alt}\nbasicConstraints=CA:FALSE\n"
        "keyUsage=critical,digitalSignature,keyEncipherment\n"
        "extendedKeyUsage=serverAuth,clientAuth\n"
        "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid,issuer\n")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={dns or ip}",
            "-keyout", f"{name}.key", "-out", f"{name}.csr", cwd=folder)
    openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.crt", "-CAkey", f"{ca}.key",
            "-CAcreateserial", "-days", "2", "-extfile", f"{name}.ext", "-out", f"{name}.crt",
            cwd=folder)


class TlsRedis(PrivateRedis):
    """A redis-server that speaks TLS only, on a free port, with certificates from folder.

    server is the certificate's name there ("server", made for 127.0.0.1, by
    default); clients_need_certificates makes it ask every client for one.
    """

    def __init__(self, folder, server="server", clients_need_certificates=False):
        folder = Path(folder)
        self.folder, self.tls_port = folder, free_port()
        super().__init__(args=[
            "--tls-port", str(self.tls_port), "--tls-cert-file", str(folder / f"{server}.crt"),
            "--tls-key-file", str(folder / f"{server}.key"),
            "--tls-ca-cert-file", str(folder / "workshop-test-ca.crt"),
            "--tls-auth-clients", "yes" if clients_need_certificates else "no"])
        self.tls_url = f"rediss://127.0.0.1:{self.tls_port}/0"
