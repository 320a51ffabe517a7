"""Fake platform servers: real HTTP servers on loopback that answer like the real APIs."""
