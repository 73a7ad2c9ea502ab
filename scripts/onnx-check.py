#!/usr/bin/env python3
"""Check ONNX files with the official checker: onnx.checker.check_model(path, full_check=True).

Usage: onnx-check.py MODEL.onnx [MORE.onnx ...]
Prints "OK <path>" per valid file, or "ERROR <path>: <message>" and exits 1.
Exits 3 with "SKIP ..." when the onnx package cannot be imported (e.g. apt-get install python3-onnx).
"""
import sys

try:
    import onnx
except ImportError as error:  # the checker is optional on developer machines
    print(f"SKIP onnx python package not importable ({error}); install python3-onnx")
    sys.exit(3)


def main(paths):
    if not paths:
        print(__doc__.strip())
        return 2
    failed = False
    for path in paths:
        try:
            # full_check also runs strict shape and type inference over the graph.
            onnx.checker.check_model(path, full_check=True)
            print(f"OK {path} (onnx {onnx.__version__})")
        except Exception as error:  # the checker raises several exception types
            failed = True
            message = " ".join(str(error).split())
            print(f"ERROR {path}: {type(error).__name__}: {message}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
