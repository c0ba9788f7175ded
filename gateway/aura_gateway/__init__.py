"""The gateway: the only public entry point."""
