"""Where the sandbox image keeps its Python: the venv the image is built with and every
container runs in."""

VENV = "/opt/sandbox"
PYTHON = f"{VENV}/bin/python"
SANDBOX_PATH = f"{VENV}/bin:/usr/local/bin:/usr/bin:/bin"
