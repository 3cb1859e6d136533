"""The pytest plugin (entry point ``pytest11``): fixtures that start a sandbox and a client."""
