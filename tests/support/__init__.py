"""Helpers shared by the test suites: real processes started and stopped by the tests."""
