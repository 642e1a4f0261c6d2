"""Where the tests' data lives, for test modules at any depth under tests/."""
from pathlib import Path

TESTS_DIR = Path(__file__).resolve().parent
REPO = TESTS_DIR.parent
